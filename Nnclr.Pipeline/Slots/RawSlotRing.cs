using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Slots;

/// <summary>The read → augment ring: raw slots plus their free list.</summary>
internal sealed class RawSlotRing
{
    // Slots by index; index i is either in Pool or held by exactly one stage.
    private readonly RawSlot[] _slots;

    public RawSlotRing(int count, BatchGeometry geometry)
    {
        _slots = new RawSlot[count];
        for (int i = 0; i < count; i++) _slots[i] = new RawSlot(geometry.BatchSize, geometry.SlotBytesPerSample);
        Pool = new SlotPool(count);
    }

    public RawSlot this[int index] => _slots[index];

    public SlotPool Pool { get; }
}
