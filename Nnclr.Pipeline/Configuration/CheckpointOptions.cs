using System.ComponentModel.DataAnnotations;

namespace Nnclr.Pipeline.Configuration;

/// <summary>Section "Checkpoint".</summary>
public sealed class CheckpointOptions
{
    public const string Section = "Checkpoint";

    /// <summary>Steps between periodic checkpoints (one is also written at the end and on SIGTERM).</summary>
    [Range(1, 10_000_000, ErrorMessage = "Checkpoint:EverySteps must be between {1} and {2}")]
    public long EverySteps { get; set; } = 1000;

    /// <summary>Checkpoints kept in &lt;run-dir&gt;/checkpoints (older ones are deleted).</summary>
    [Range(1, 1000, ErrorMessage = "Checkpoint:Keep must be between {1} and {2}")]
    public int Keep { get; set; } = 3;
}
