using System.Collections.Concurrent;
using Nnclr.Model;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Tests.Fakes;

/// <summary>Keeps written checkpoints in memory; can be slow or fail.</summary>
public sealed class FakeSink : ICheckpointSink
{
    // Checkpoints written, in order.
    public readonly ConcurrentQueue<(CheckpointMeta Meta, long Weights)> Written = new();
    // Sleep per write.
    public TimeSpan Delay = TimeSpan.Zero;
    // Throws on this write (0-based), -1 for never.
    public int ThrowAt = -1;
    // When set, every write waits until it is set: the test decides when writing may finish.
    public ManualResetEventSlim? Gate;
    // Writes attempted.
    private int _writes;

    public void Write(TrainerSnapshot snapshot, CheckpointMeta meta)
    {
        if (_writes++ == ThrowAt) throw new IOException($"checkpoint 'step-{meta.Step}.ckpt': No space left on device");
        if (Delay > TimeSpan.Zero) Thread.Sleep(Delay);
        Gate?.Wait();
        Written.Enqueue((meta, FakeSnapshot.Weights(snapshot)));
    }
}
