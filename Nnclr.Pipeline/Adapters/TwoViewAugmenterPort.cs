using Nnclr.Data.Augment;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Adapters;

/// <summary><see cref="IViewAugmenter"/> over Nnclr.Data's <see cref="TwoViewAugmenter"/>; each worker owns a scratch.</summary>
public sealed class TwoViewAugmenterPort(TwoViewAugmenter augmenter, ulong seed) : IViewAugmenter
{
    public IAugmentWorker CreateWorker() => new Worker(augmenter, seed, augmenter.CreateScratch());

    // One thread's worker: the shared (immutable) augmenter plus its own scratch buffers.
    private sealed class Worker(TwoViewAugmenter augmenter, ulong seed, AugmentScratch scratch) : IAugmentWorker
    {
        public void Augment(ReadOnlySpan<byte> hwc, long epoch, long sampleKey, Span<float> view1, Span<float> view2) =>
            augmenter.Augment(hwc, seed, epoch, sampleKey, view1, view2, scratch);
    }
}
