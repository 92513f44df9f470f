using Nnclr.Pipeline.Metrics;

namespace Nnclr.Pipeline.Session;

/// <summary>How a <see cref="TrainingSession"/> ended; Host turns it into summary.json and an exit code.</summary>
/// <param name="Status">"completed", "stopped" (a stop request, also during the final evaluation) or "failed".</param>
/// <param name="Error">The one-line reason when failed; null otherwise.</param>
/// <param name="Result">The pipeline's result; null when the pipeline itself failed.</param>
/// <param name="Report">The per-stage report, when the pipeline ran.</param>
/// <param name="Final">Final evaluation values (kNN, baseline); null when failed.</param>
/// <param name="NonFiniteLoss">True when the failure was a NaN/Inf loss (what Run:OnNonFiniteLoss=rollback rolls back).</param>
public sealed record SessionOutcome(string Status, string? Error, PipelineResult? Result, StageReport? Report,
    IReadOnlyDictionary<string, double>? Final, bool NonFiniteLoss = false)
{
    /// <summary>The device the attempt ran on (summary.json); null when its ports were never built.</summary>
    public string? Device { get; init; }

    /// <summary>True when the run failed (exit code 1).</summary>
    public bool Failed => Status == "failed";
}
