namespace Nnclr.Pipeline.Ports;

/// <summary>One augment thread's worker: writes both views of one sample straight into the slot.</summary>
public interface IAugmentWorker
{
    /// <summary>
    /// Writes the two normalised CHW views (3×S×S floats each) of one HWC image. The result depends only on
    /// (run seed, <paramref name="epoch"/>, <paramref name="sampleKey"/>), never on the thread or the order,
    /// so runs are deterministic. Must not allocate per call.
    /// </summary>
    void Augment(ReadOnlySpan<byte> hwc, long epoch, long sampleKey, Span<float> view1, Span<float> view2);
}
