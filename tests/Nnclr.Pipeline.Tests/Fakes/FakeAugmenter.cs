using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Tests.Fakes;

/// <summary>View 1 is filled with pixel0 + epoch / 8, view 2 with its negation; optional delay and failure.</summary>
public sealed class FakeAugmenter : IViewAugmenter
{
    // Spin this long per sample.
    public TimeSpan DelayPerSample = TimeSpan.Zero;
    // Throws on this sample key, -1 for never.
    public long ThrowOnKey = -1;

    public IAugmentWorker CreateWorker() => new Worker(this);

    public static float Expected(long key, long epoch) => (byte)key + epoch / 8f;

    private sealed class Worker(FakeAugmenter owner) : IAugmentWorker
    {
        public void Augment(ReadOnlySpan<byte> hwc, long epoch, long sampleKey, Span<float> view1, Span<float> view2)
        {
            if (sampleKey == owner.ThrowOnKey) throw new InvalidDataException($"sample {sampleKey}: cannot decode");
            if (owner.DelayPerSample > TimeSpan.Zero)
            {
                long until = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(owner.DelayPerSample.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
                while (System.Diagnostics.Stopwatch.GetTimestamp() < until) { }
            }
            float v = hwc[0] + epoch / 8f;
            view1.Fill(v);
            view2.Fill(-v);
        }
    }
}
