using System.Diagnostics;
using System.Threading.Channels;
using Nnclr.Model;
using Nnclr.Pipeline.Channels;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Stages;

/// <summary>
/// Writes snapshots taken by the train stage on its own thread while training goes on. The sink writes
/// atomically (temp + fsync + rename), so a failure here leaves the previous checkpoint intact; it stops
/// the pipeline with the sink's message.
/// </summary>
internal sealed class CheckpointStage : Stage
{
    // The checkpoint port; called from this thread only.
    private readonly ICheckpointSink _sink;
    // From the train stage; capacity 1, so at most two snapshots exist at once.
    private readonly ChannelReader<CheckpointRequest> _input;
    // Told about each written checkpoint; may be null.
    private readonly IPipelineObserver? _observer;

    public CheckpointStage(PipelineControl control, ICheckpointSink sink, ChannelReader<CheckpointRequest> input, IPipelineObserver? observer)
        : base(CheckpointName, control, () => input.Count)
    {
        (_sink, _input, _observer) = (sink, input, observer);
    }

    /// <summary>The last checkpoint written, if any.</summary>
    public CheckpointMeta? LastWritten { get; private set; }

    protected override void Execute(ThreadWaiter waiter)
    {
        while (true)
        {
            long t = Metrics.BeginInputWait();
            bool got = waiter.TryTake(_input, out var request);
            Metrics.AddInputWait(t);
            if (!got) return;
            // Disposing a snapshot hands its host arrays back to the train port for the next one (no GC churn).
            long writeStart = Stopwatch.GetTimestamp();
            try { _sink.Write(request.Snapshot, request.Meta); }
            finally { request.Snapshot.Dispose(); }
            var meta = request.Meta;
            LastWritten = meta;
            _observer?.OnCheckpoint(meta with { WriteSeconds = Stopwatch.GetElapsedTime(writeStart).TotalSeconds });
            Metrics.ItemDone();
        }
    }

    protected override void Finish(Exception? error, ThreadWaiter waiter)
    {
        // Snapshots still queued after a failure are never written; release them.
        while (_input.TryRead(out var left)) left.Snapshot.Dispose();
    }
}
