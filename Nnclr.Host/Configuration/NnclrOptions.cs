using System.ComponentModel.DataAnnotations;

namespace Nnclr.Host.Configuration;

/// <summary>Section "Nnclr": support set and loss.</summary>
public sealed class NnclrOptions
{
    public const string Section = "Nnclr";

    /// <summary>Softmax temperature τ.</summary>
    [Range(0.001, 10.0, ErrorMessage = "Nnclr:Temperature must be between {1} and {2}")]
    public double Temperature { get; set; } = 0.2;

    /// <summary>Support-set rows |Q|; a multiple of Optim:BatchSize (it is written a batch at a time).</summary>
    [Range(1, 4_194_304, ErrorMessage = "Nnclr:SupportSetSize must be between {1} and {2}")]
    public int SupportSetSize { get; set; } = 65536;

    /// <summary>Nearest neighbour drawn uniformly among the top k (1 = the nearest).</summary>
    [Range(1, 1024, ErrorMessage = "Nnclr:TopK must be between {1} and {2}")]
    public int TopK { get; set; } = 1;

    /// <summary>"paper" (default), "symmetric" (adds the transposed term) or "same-view-negatives".</summary>
    [AllowedValues("paper", "symmetric", "same-view-negatives", "simclr", ErrorMessage = "Nnclr:Loss must be 'paper', 'symmetric' or 'same-view-negatives' (alias 'simclr')")]
    public string Loss { get; set; } = "paper";
}
