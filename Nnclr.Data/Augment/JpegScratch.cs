namespace Nnclr.Data.Augment;

/// <summary>Per-worker buffers of a <see cref="JpegTwoViewAugmenter"/>, sized once from its max side; one per thread.</summary>
public sealed class JpegScratch
{
    // This worker's decoder (RGBA buffer of MaxSide² · 4 bytes, TurboJPEG handle).
    internal readonly EncodedImageDecoder Decoder;
    // The pixel-domain view buffers.
    internal readonly AugmentScratch Views;
    // The augmenter these were sized for.
    internal readonly JpegTwoViewAugmenter Owner;

    internal JpegScratch(JpegTwoViewAugmenter owner, AugmentScratch views, int maxSide)
    {
        Owner = owner; Views = views;
        Decoder = new EncodedImageDecoder(maxSide);
    }
}
