using Microsoft.Extensions.Logging;

namespace Nnclr.Pipeline.Session;

/// <summary>
/// Source-generated log messages of a training session. Placeholders are the snake_case field names of metrics.jsonl
/// and summary.json: the JSON log (Host's JsonLineFormatter) writes them as top-level fields, the event name as "event".
/// </summary>
internal static partial class SessionLog
{
    [LoggerMessage(1, LogLevel.Information, "training {preset} in {run_dir}: steps {start_step}→{total_steps} ({steps_per_epoch}/epoch), batch {batch_size}, device {device}, {augment_threads} augment threads", EventName = "start")]
    public static partial void Starting(ILogger logger, string preset, string run_dir, long start_step, long total_steps, long steps_per_epoch, int batch_size, string device, int augment_threads);

    [LoggerMessage(2, LogLevel.Information, "step {step} epoch {epoch} loss {loss:F4} lr {lr:G4} nn_acc {nn_acc:F4}{online_note} {images_per_s:F0} img/s bottleneck {bottleneck}", EventName = "interval")]
    public static partial void Interval(ILogger logger, long step, long epoch, double loss, double lr, double nn_acc, string online_note, double images_per_s, string? bottleneck);

    [LoggerMessage(3, LogLevel.Information, "checkpoint written: step {step}, data at {cursor}{final_note}", EventName = "checkpoint")]
    public static partial void CheckpointWritten(ILogger logger, long step, string cursor, string final_note);

    [LoggerMessage(4, LogLevel.Information, "stop requested: {action}", EventName = "stopping")]
    public static partial void Stopping(ILogger logger, string action);

    [LoggerMessage(5, LogLevel.Information, "run {status} after {steps} steps in {elapsed_s:F1} s ({images_per_s:F0} img/s); bottleneck {bottleneck}", EventName = "finished")]
    public static partial void Finished(ILogger logger, string status, long steps, double elapsed_s, double images_per_s, string bottleneck);

    [LoggerMessage(6, LogLevel.Error, "run failed: {error}", EventName = "failed")]
    public static partial void Failed(ILogger logger, string error);

    [LoggerMessage(8, LogLevel.Information, "stages:\n{stage_table}", EventName = "stages")]
    public static partial void Stages(ILogger logger, string stage_table);

    [LoggerMessage(9, LogLevel.Information, "{phase}…", EventName = "phase_start")]
    public static partial void PhaseStarted(ILogger logger, string phase);

    [LoggerMessage(10, LogLevel.Information, "{phase} done in {elapsed_s:F1} s", EventName = "phase_done")]
    public static partial void PhaseDone(ILogger logger, string phase, double elapsed_s);

    [LoggerMessage(11, LogLevel.Information, "final evaluation: {images_done}/{images_total} images through {networks}, {images_per_s:F1} img/s, ETA {eta_s:F0} s", EventName = "eval_progress")]
    public static partial void EvalProgress(ILogger logger, string networks, long images_done, long images_total, double images_per_s, double eta_s);
}
