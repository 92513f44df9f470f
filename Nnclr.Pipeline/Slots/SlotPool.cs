using System.Threading.Channels;
using Nnclr.Pipeline.Channels;

namespace Nnclr.Pipeline.Slots;

/// <summary>
/// The free list of a slot ring: indices of slots no stage is using. A producer takes one before it writes
/// a slot; the slot's last consumer gives it back once done, which is what bounds the pipeline.
/// </summary>
internal sealed class SlotPool
{
    // Free slot indices; holds each index at most once, so writes never block.
    private readonly Channel<int> _free;

    public SlotPool(int count)
    {
        _free = StageChannel.Create<int>(count);
        for (int i = 0; i < count; i++) _free.Writer.TryWrite(i);
    }

    /// <summary>Free slots now.</summary>
    public int Available => _free.Reader.Count;

    /// <summary>Waits for a free slot; throws <see cref="PipelineStoppedException"/> when the pipeline stopped.</summary>
    public int Acquire(ThreadWaiter waiter) =>
        waiter.TryTake(_free.Reader, out int slot) ? slot : throw new PipelineStoppedException("slot pool closed");

    /// <summary>Gives a slot back (ignored once the pipeline has stopped).</summary>
    public void Release(int slot) => _free.Writer.TryWrite(slot);

    /// <summary>Wakes every waiter with <paramref name="error"/>.</summary>
    public void Close(Exception error) => _free.Writer.TryComplete(error);
}
