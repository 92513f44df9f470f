namespace Nnclr.Data.Augment;

/// <summary>Per-worker buffers of a <see cref="JpegTwoViewAugmenter"/>, sized once from its max side; one per thread.</summary>
public sealed class JpegScratch
{
    // Decoded RGBA pixels: MaxSide² · 4 bytes.
    internal readonly byte[] Rgba;
    // This worker's TurboJPEG decompressor (unused when the system library is missing).
    internal readonly TurboJpeg.Handle Turbo;
    // The pixel-domain view buffers.
    internal readonly AugmentScratch Views;
    // The augmenter these were sized for.
    internal readonly JpegTwoViewAugmenter Owner;

    internal JpegScratch(JpegTwoViewAugmenter owner, AugmentScratch views, int maxSide)
    {
        Owner = owner; Views = views;
        Turbo = TurboJpeg.Available ? new TurboJpeg.Handle() : null!;
        Rgba = GC.AllocateUninitializedArray<byte>(maxSide * maxSide * 4, pinned: true);
    }
}
