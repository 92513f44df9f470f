using Nnclr.Pipeline.Ports;
using static TorchSharp.torch;

namespace Nnclr.Pipeline.Slots;

/// <summary>
/// A ring of view slots plus their free list: host slots (augment → upload; pinned on CUDA), or device
/// slots (upload → train, CUDA only).
/// </summary>
internal sealed class ViewSlotRing : IDisposable
{
    // Slots by index; index i is either in Pool or held by exactly one stage.
    private readonly ViewSlot[] _slots;

    public ViewSlotRing(int count, BatchGeometry geometry, Device device, bool pinned)
    {
        _slots = new ViewSlot[count];
        for (int i = 0; i < count; i++) _slots[i] = new ViewSlot(geometry.BatchSize, geometry.ViewSize, device, pinned);
        Pool = new SlotPool(count);
    }

    public ViewSlot this[int index] => _slots[index];

    public SlotPool Pool { get; }

    public void Dispose()
    {
        foreach (var s in _slots) s.Dispose();
    }
}
