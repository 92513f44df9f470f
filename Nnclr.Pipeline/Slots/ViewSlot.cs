using TorchSharp;
using static TorchSharp.torch;

namespace Nnclr.Pipeline.Slots;

/// <summary>
/// One batch of augmented views in tensors allocated once: <see cref="Views"/> [2N,3,S,S] float32 (view 1
/// of sample i at row i, view 2 at row N + i) and <see cref="Labels"/> [N] int64. A host slot is pinned on
/// CUDA; augment workers write through spans over its memory, never through fresh arrays. A device slot
/// (CUDA) has the same shapes on the GPU and no spans.
/// </summary>
internal sealed unsafe class ViewSlot : IDisposable
{
    // First float of Views' storage when it lives on the host, else null; valid until Dispose.
    private readonly float* _views;
    // First int64 of Labels' storage when it lives on the host, else null; valid until Dispose.
    private readonly long* _labels;
    // Floats per view (3 × S × S).
    private readonly int _floatsPerView;

    public ViewSlot(int batchSize, int viewSize, Device device, bool pinned)
    {
        BatchSize = batchSize;
        _floatsPerView = 3 * viewSize * viewSize;
        Views = Allocate([2L * batchSize, 3, viewSize, viewSize], ScalarType.Float32, device, pinned);
        Labels = Allocate([batchSize], ScalarType.Int64, device, pinned);
        if (device.type == DeviceType.CPU)
        {
            fixed (byte* v = Views.bytes) _views = (float*)v;
            fixed (byte* l = Labels.bytes) _labels = (long*)l;
        }
    }

    /// <summary>Samples per batch (N).</summary>
    public int BatchSize { get; }

    /// <summary>[2N,3,S,S] float32; owned by this slot.</summary>
    public Tensor Views { get; }

    /// <summary>[N] int64; owned by this slot.</summary>
    public Tensor Labels { get; }

    /// <summary>View 1 of sample i (host slots only).</summary>
    public Span<float> View1(int i) => new(HostViews + (long)i * _floatsPerView, _floatsPerView);

    /// <summary>View 2 of sample i (host slots only).</summary>
    public Span<float> View2(int i) => new(HostViews + (long)(BatchSize + i) * _floatsPerView, _floatsPerView);

    /// <summary>Sets sample i's label (host slots only).</summary>
    public void SetLabel(int i, long label) => HostLabels[(uint)i < (uint)BatchSize ? i : throw new ArgumentOutOfRangeException(nameof(i))] = label;

    private float* HostViews => _views != null ? _views : throw new InvalidOperationException("a device slot has no host memory");

    private long* HostLabels => _labels != null ? _labels : throw new InvalidOperationException("a device slot has no host memory");

    private static Tensor Allocate(long[] shape, ScalarType dtype, Device device, bool pinned)
    {
        var t = empty(shape, dtype, device);
        if (pinned)
        {
            var p = t.pin_memory();
            t.Dispose();
            t = p;
        }
        // The slot owns it: keep it out of whatever dispose scope the caller has open.
        return t.DetachFromDisposeScope();
    }

    public void Dispose()
    {
        Views.Dispose();
        Labels.Dispose();
    }
}
