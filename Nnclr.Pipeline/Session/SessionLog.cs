using Microsoft.Extensions.Logging;

namespace Nnclr.Pipeline.Session;

/// <summary>Source-generated log messages of a training session (the event ids the host used before they moved here).</summary>
internal static partial class SessionLog
{
    [LoggerMessage(1, LogLevel.Information, "training {Preset} in {RunDir}: steps {StartStep}→{TotalSteps} ({StepsPerEpoch}/epoch), batch {BatchSize}, device {Device}, {AugmentThreads} augment threads")]
    public static partial void Starting(ILogger logger, string preset, string runDir, long startStep, long totalSteps, long stepsPerEpoch, int batchSize, string device, int augmentThreads);

    [LoggerMessage(2, LogLevel.Information, "step {Step} epoch {Epoch} loss {Loss:F4} lr {LearningRate:G4} nn_acc {NnAccuracy:P1} {ImagesPerSecond:F0} img/s bottleneck {Bottleneck}")]
    public static partial void Interval(ILogger logger, long step, long epoch, double loss, double learningRate, double nnAccuracy, double imagesPerSecond, string? bottleneck);

    [LoggerMessage(3, LogLevel.Information, "checkpoint written: step {Step}, data at {Cursor}{FinalNote}")]
    public static partial void CheckpointWritten(ILogger logger, long step, string cursor, string finalNote);

    [LoggerMessage(4, LogLevel.Information, "stop requested: finishing the current step and writing a checkpoint")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(5, LogLevel.Information, "run {Status} after {Steps} steps in {Seconds:F1} s ({ImagesPerSecond:F0} img/s); stages:\n{StageTable}")]
    public static partial void Finished(ILogger logger, string status, long steps, double seconds, double imagesPerSecond, string stageTable);

    [LoggerMessage(6, LogLevel.Error, "run failed: {Message}")]
    public static partial void Failed(ILogger logger, string message);

    [LoggerMessage(7, LogLevel.Information, "final {Name} = {Value:G6}")]
    public static partial void FinalMetric(ILogger logger, string name, double value);
}
