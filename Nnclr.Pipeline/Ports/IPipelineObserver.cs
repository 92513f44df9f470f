using Nnclr.Model;

namespace Nnclr.Pipeline.Ports;

/// <summary>Receives progress. Implementations must be quick: they run on the pipeline's threads.</summary>
public interface IPipelineObserver
{
    /// <summary>Every LogEvery steps and at the end, on the train thread.</summary>
    void OnInterval(IntervalMetrics metrics);

    /// <summary>After a checkpoint was written, on the checkpoint thread.</summary>
    void OnCheckpoint(CheckpointMeta meta);
}
