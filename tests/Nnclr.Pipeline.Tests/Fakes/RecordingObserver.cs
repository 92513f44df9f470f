using System.Collections.Concurrent;
using Nnclr.Model;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Tests.Fakes;

public sealed class RecordingObserver : IPipelineObserver
{
    public readonly ConcurrentQueue<IntervalMetrics> Intervals = new();
    public readonly ConcurrentQueue<CheckpointMeta> Checkpoints = new();

    public void OnInterval(IntervalMetrics metrics) => Intervals.Enqueue(metrics);

    public void OnCheckpoint(CheckpointMeta meta) => Checkpoints.Enqueue(meta);
}
