using Nnclr.Pipeline.Metrics;

namespace Nnclr.Pipeline.Session;

/// <summary>How a run ended.</summary>
public enum RunEnd
{
    /// <summary>Trained every step (and evaluated).</summary>
    Completed,
    /// <summary>A stop request (SIGTERM, Ctrl-C) ended it after a step, with a final checkpoint; also during the final evaluation.</summary>
    Stopped,
    /// <summary>It failed: see <see cref="RunResult.Error"/> and <see cref="RunResult.Failure"/>.</summary>
    Failed,
}

/// <summary>What kind of failure ended a run.</summary>
public enum RunFailure
{
    /// <summary>Not failed.</summary>
    None,
    /// <summary>The configuration could not be used (a bad setting, --resume into another configuration): a usage error.</summary>
    Configuration,
    /// <summary>The run itself failed: a stage error, NaN/Inf loss, a checkpoint write, the final evaluation, I/O.</summary>
    Run,
}

/// <summary>
/// The one typed result of a training run: how it ended, why it failed, the pipeline's result and stage report, and
/// the final evaluation (fractions 0–1). Host maps it to the exit code (ExitCodes.Of) and to summary.json.
/// </summary>
/// <param name="End">Completed, stopped or failed.</param>
/// <param name="Failure">The kind of failure; <see cref="RunFailure.None"/> unless failed.</param>
/// <param name="Error">The one-line reason when failed; null otherwise.</param>
/// <param name="Pipeline">The pipeline's result; null when the pipeline itself failed or never ran.</param>
/// <param name="Report">The per-stage report, when the pipeline ran.</param>
/// <param name="Final">The final evaluation; null when failed, stopped before it, or without labels.</param>
/// <param name="NonFiniteLoss">True when the failure was a NaN/Inf loss (what Run:OnNonFiniteLoss=rollback rolls back).</param>
public sealed record RunResult(RunEnd End, RunFailure Failure, string? Error, PipelineResult? Pipeline, StageReport? Report,
    FinalEvaluation? Final, bool NonFiniteLoss = false)
{
    /// <summary>The device the run trained on (summary.json); null when its ports were never built.</summary>
    public string? Device { get; init; }

    /// <summary>A failed run.</summary>
    public static RunResult Failed(RunFailure failure, string error, PipelineResult? pipeline = null, StageReport? report = null, bool nonFiniteLoss = false) =>
        new(RunEnd.Failed, failure, error, pipeline, report, null, nonFiniteLoss);

    /// <summary>"completed", "stopped" or "failed", as summary.json and status.json spell it.</summary>
    public string Status => End switch { RunEnd.Completed => "completed", RunEnd.Stopped => "stopped", _ => "failed" };
}
