using System.ComponentModel.DataAnnotations;

namespace Nnclr.Model;

/// <summary>
/// Section "Model": backbone, heads and numeric precision. Bound directly from configuration by the host and read by
/// <see cref="NetworkFactory"/>, <see cref="NnclrTrainer"/> and <see cref="FeatureNetwork"/>: the strings here are the
/// values the model parses (no translation between layers). Rules: the attributes, checked by <see cref="OptionsRules"/>.
/// </summary>
public sealed class ModelOptions
{
    public const string Section = "Model";

    /// <summary>"resnet18|34|50" with the ImageNet stem, "resnet18|34|50-cifar" (3×3 stride-1 stem, no max-pool), or "tiny-cnn" (4 conv layers, for CPUs).</summary>
    [AllowedValues("resnet18-cifar", "resnet34-cifar", "resnet50-cifar", "resnet18", "resnet34", "resnet50", "tiny-cnn",
        ErrorMessage = "Model:Backbone must be one of resnet18, resnet34, resnet50 (optionally with -cifar) or tiny-cnn")]
    public string Backbone { get; set; } = "tiny-cnn";

    /// <summary>Projector hidden width (two hidden layers).</summary>
    [Range(16, 16384, ErrorMessage = "Model:ProjectorHidden must be between {1} and {2}")]
    public int ProjectorHidden { get; set; } = 2048;

    /// <summary>Projection (embedding) size; the support set stores vectors of this size.</summary>
    [Range(8, 4096, ErrorMessage = "Model:ProjectorOut must be between {1} and {2}")]
    public int ProjectorOut { get; set; } = 256;

    /// <summary>Predictor hidden width.</summary>
    [Range(16, 16384, ErrorMessage = "Model:PredictorHidden must be between {1} and {2}")]
    public int PredictorHidden { get; set; } = 4096;

    /// <summary>"fp32" or "bf16" (bf16 compute, fp32 master weights; GPU).</summary>
    [AllowedValues("fp32", "bf16", ErrorMessage = "Model:Precision must be 'fp32' or 'bf16'")]
    public string Precision { get; set; } = "fp32";

    /// <summary>NHWC memory format for convolutions (GPU).</summary>
    public bool ChannelsLast { get; set; }

    /// <summary>
    /// With more than one rank (data parallel): batch-norm statistics over every rank's images together, forward and
    /// backward (global BN, as SimCLR and NNCLR train), so N ranks with B/N images each compute what one process with B
    /// does. False: each rank normalises with its own B/N images' statistics. No effect in one process.
    /// </summary>
    public bool SyncBatchNorm { get; set; } = true;

    /// <summary>
    /// Verification only (not a configuration key): parameters, activations, BN, loss and support set in fp64, so that
    /// runs that differ only in how sums are split (one process vs ranks) can be compared far below fp32's rounding.
    /// </summary>
    internal bool Float64 { get; set; }
}
