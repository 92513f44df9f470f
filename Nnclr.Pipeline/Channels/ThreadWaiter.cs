using System.Threading.Channels;

namespace Nnclr.Pipeline.Channels;

/// <summary>
/// Blocks a dedicated stage thread on a channel without allocating: the channel's reusable waiter
/// (no cancellation token) sets one event owned by this thread. Cancellation does not flow through
/// here: a stop completes the channels, which wakes every waiter.
/// </summary>
internal sealed class ThreadWaiter : IDisposable
{
    // Set by the channel's continuation when the awaited operation completes; reset before each wait.
    private readonly ManualResetEventSlim _ready = new(false);
    // Cached delegate for the continuation, so registering it allocates nothing.
    private readonly Action _onReady;

    public ThreadWaiter() => _onReady = _ready.Set;

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
            _ready.Reset();
            pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onReady);
            _ready.Wait();
        }
        return pending.GetAwaiter().GetResult();
    }

    public void Dispose() => _ready.Dispose();
}
