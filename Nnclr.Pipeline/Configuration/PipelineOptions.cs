using System.ComponentModel.DataAnnotations;

namespace Nnclr.Pipeline.Configuration;

/// <summary>Section "Pipeline": device, threads and slot rings.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>"auto" (CUDA when available), "cpu", "cuda" or "cuda:N".</summary>
    [RegularExpression("^(auto|cpu|cuda(:[0-9]+)?)$", ErrorMessage = "Pipeline:Device must be 'auto', 'cpu', 'cuda' or 'cuda:N'")]
    public string Device { get; set; } = "auto";

    /// <summary>Decode + augmentation threads; 0 = one per core minus one.</summary>
    [Range(0, 256, ErrorMessage = "Pipeline:AugmentThreads must be between {1} and {2}")]
    public int AugmentThreads { get; set; }

    [Range(2, 64, ErrorMessage = "Pipeline:RawSlots must be between {1} and {2}")]
    public int RawSlots { get; set; } = 3;

    [Range(2, 64, ErrorMessage = "Pipeline:ViewSlots must be between {1} and {2}")]
    public int ViewSlots { get; set; } = 3;

    [Range(1, 16, ErrorMessage = "Pipeline:DeviceSlots must be between {1} and {2}")]
    public int DeviceSlots { get; set; } = 2;
}
