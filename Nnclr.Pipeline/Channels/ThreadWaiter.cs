using System.Threading.Channels;

namespace Nnclr.Pipeline.Channels;

/// <summary>
/// Blocks a dedicated stage thread on a channel without allocating: the channel's reusable waiter
/// (no cancellation token) pulses a monitor owned by this thread. (A ManualResetEventSlim would allocate
/// its lock lazily on the first real wait, in the middle of a run.) Cancellation does not flow through
/// here: a stop completes the channels, which wakes every waiter.
/// </summary>
internal sealed class ThreadWaiter : IDisposable
{
    // Monitor for _ready.
    private readonly object _gate = new();
    // Cached delegate for the continuation, so registering it allocates nothing.
    private readonly Action _onReady;
    // True once the awaited operation completed; guarded by _gate, reset before each wait.
    private bool _ready;

    public ThreadWaiter() => _onReady = Signal;

    private void Signal()
    {
        lock (_gate)
        {
            _ready = true;
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>Takes the next item; false once the channel is completed and drained; throws its error.</summary>
    public bool TryTake<T>(ChannelReader<T> reader, out T item)
    {
        while (true)
        {
            if (reader.TryRead(out item!)) return true;
            if (!Block(reader.WaitToReadAsync())) return false;
        }
    }

    /// <summary>Puts an item, waiting while the channel is full; throws when the channel was completed.</summary>
    public void Put<T>(ChannelWriter<T> writer, T item)
    {
        while (!writer.TryWrite(item))
        {
            if (!Block(writer.WaitToWriteAsync()))
                throw new PipelineStoppedException("the downstream channel was closed");
        }
    }

    private bool Block(ValueTask<bool> pending)
    {
        if (!pending.IsCompleted)
        {
            lock (_gate) _ready = false;
            pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onReady);
            lock (_gate)
            {
                while (!_ready) Monitor.Wait(_gate);
            }
        }
        return pending.GetAwaiter().GetResult();
    }

    public void Dispose() { }
}
