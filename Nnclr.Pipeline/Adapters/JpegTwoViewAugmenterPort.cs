using Nnclr.Data.Augment;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Adapters;

/// <summary>
/// <see cref="IViewAugmenter"/> over Nnclr.Data's <see cref="JpegTwoViewAugmenter"/>: each sample handed over is a JPEG
/// record, decoded once by the worker straight into its preallocated scratch, then both views written into the slot.
/// </summary>
public sealed class JpegTwoViewAugmenterPort(JpegTwoViewAugmenter augmenter, ulong seed) : IViewAugmenter
{
    public IAugmentWorker CreateWorker() => new Worker(augmenter, seed, augmenter.CreateScratch());

    // One thread's worker: the shared (immutable) augmenter plus its own decode and view buffers.
    private sealed class Worker(JpegTwoViewAugmenter augmenter, ulong seed, JpegScratch scratch) : IAugmentWorker
    {
        public void Augment(ReadOnlySpan<byte> encoded, long epoch, long sampleKey, Span<float> view1, Span<float> view2)
        {
            try { augmenter.Augment(encoded, seed, epoch, sampleKey, view1, view2, scratch, "record"); }
            catch (InvalidDataException e) { throw new InvalidDataException($"train record {sampleKey} (epoch {epoch}): {e.Message}", e); }
        }
    }
}
