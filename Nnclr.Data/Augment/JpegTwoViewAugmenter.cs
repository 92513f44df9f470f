
namespace Nnclr.Data.Augment;

/// <summary>
/// NNCLR's two views of one JPEG/PNG held as encoded bytes: the image is decoded once, and both views'
/// RandomResizedCrop are drawn on the FULL image (torchvision's get_params on the header's width × height).
/// The decode uses libjpeg-turbo's DCT-domain downscaling (Skia's scaled decode, 1/8 steps) as far as both crops
/// still cover at least S×S source pixels, so a 224-px view of a 500×375 photo decodes at full size while a 96-px
/// one usually decodes at 1/2 or 1/4. Greyscale and palette images become RGB. Then the existing SIMD ops of
/// <see cref="TwoViewAugmenter"/> at output size S. Pixel buffers are preallocated per worker
/// (<see cref="JpegScratch"/>), sized from the max-side limit; nothing of pixel size is allocated per image.
/// </summary>
public sealed class JpegTwoViewAugmenter
{
    // The pixel-domain augmenter, sized for MaxSide×MaxSide inputs.
    private readonly TwoViewAugmenter _aug;

    /// <summary>Largest decoded side (after DCT scaling) a scratch can hold.</summary>
    public int MaxSide { get; }
    public int OutSize => _aug.OutSize;

    /// <summary>Which decoder JPEGs go through (<see cref="TurboJpeg.DecoderName"/>, or SkiaSharp when turned off here).</summary>
    public string Decoder => UseTurboJpeg ? TurboJpeg.DecoderName : "SkiaSharp (bundled libjpeg-turbo)";

    /// <summary>Whether JPEGs go through the system's TurboJPEG (when it loaded); tests turn it off to compare decoders.</summary>
    internal bool UseTurboJpeg { get; set; } = TurboJpeg.Available;
    public int ViewElements => _aug.ViewElements;

    public JpegTwoViewAugmenter(TwoViewPolicy policy, int maxSide, int outSize, float[] mean, float[] std)
    {
        if (maxSide < 1 || maxSide > 16384) throw new ArgumentOutOfRangeException(nameof(maxSide), $"max side {maxSide} must be in 1..16384");
        if (outSize < 8 || outSize > 1024) throw new ArgumentOutOfRangeException(nameof(outSize), $"output size {outSize} must be in 8..1024");
        MaxSide = maxSide;
        _aug = new TwoViewAugmenter(policy, maxSide, maxSide, outSize, mean, std);
    }

    public JpegScratch CreateScratch() => new(this, _aug.CreateScratch(), MaxSide);

    /// <summary>
    /// Decodes <paramref name="encoded"/> once and writes both fp32 views. Returns the decode time in Stopwatch ticks
    /// (for benchmarks). Throws <see cref="InvalidDataException"/> naming <paramref name="what"/> if the bytes do not decode
    /// or the image (after the best DCT scale) is larger than MaxSide.
    /// </summary>
    public long Augment(ReadOnlySpan<byte> encoded, ulong seed, long epoch, long sampleKey, Span<float> view1, Span<float> view2, JpegScratch s, string what = "image")
    {
        if (s.Owner != this) throw new ArgumentException("scratch was created by another augmenter", nameof(s));
        if (view1.Length < ViewElements || view2.Length < ViewElements) throw new ArgumentException($"each view needs {ViewElements} floats");
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        // Both crops are drawn on the full image once its header is read; the decode scale follows from them.
        var plan = new CropPlan(this, seed, epoch, sampleKey);
        var (rgba, w, h) = s.Decoder.Decode(encoded, ref plan, what, UseTurboJpeg);
        var (p1, p2, fullW, fullH) = (plan.P1, plan.P2, plan.FullWidth, plan.FullHeight);
        long decodeTicks = System.Diagnostics.Stopwatch.GetTimestamp() - t0;
        Scale(ref p1, fullW, fullH, w, h);
        Scale(ref p2, fullW, fullH, w, h);
        // The resampler reads the decoder's RGBA rows directly (alpha skipped): no RGBA → RGB pass over the whole image.
        var pixels = rgba.Span;
        _aug.Render(pixels, w, p1, _aug.Kernel1, _aug.View1, s.Views, pixelBytes: 4);
        OutputWriter.Fp32(s.Views.Planar, OutSize * OutSize, _aug.Scale, _aug.Bias, view1);
        _aug.Render(pixels, w, p2, _aug.Kernel2, _aug.View2, s.Views, pixelBytes: 4);
        OutputWriter.Fp32(s.Views.Planar, OutSize * OutSize, _aug.Scale, _aug.Bias, view2);
        return decodeTicks;
    }

    /// <summary>
    /// Both views' crops drawn on the full image, and the decode scale: the smallest n/8 at which both crops still have
    /// ≥ S source pixels on each axis (the decoder lowers it further for images larger than MaxSide).
    /// </summary>
    private struct CropPlan(JpegTwoViewAugmenter owner, ulong seed, long epoch, long sampleKey) : IDecodeScale
    {
        public ViewParams P1, P2;
        public int FullWidth, FullHeight;

        public int Eighths(int fullW, int fullH)
        {
            var aug = owner._aug;
            var rng = new SampleRandom(seed, epoch, sampleKey, stream: 0xA0_6E_A7);
            P1 = ViewParams.Draw(aug.View1, ref rng, fullH, fullW);
            P2 = ViewParams.Draw(aug.View2, ref rng, fullH, fullW);
            (FullWidth, FullHeight) = (fullW, fullH);
            int S = owner.OutSize;
            double need = Math.Max(Math.Max((double)S / P1.CropW, (double)S / P1.CropH), Math.Max((double)S / P2.CropW, (double)S / P2.CropH));
            return Math.Clamp((int)Math.Ceiling(need * 8 - 1e-9), 1, 8);
        }
    }

    /// <summary>Maps a crop drawn on the full fullW×fullH image onto the decoded w×h image.</summary>
    private static void Scale(ref ViewParams p, int fullW, int fullH, int w, int h)
    {
        if (w == fullW && h == fullH) return;
        double sx = (double)w / fullW, sy = (double)h / fullH;
        int x = Math.Min(w - 1, (int)(p.CropX * sx)), y = Math.Min(h - 1, (int)(p.CropY * sy));
        p.CropW = Math.Clamp((int)Math.Round(p.CropW * sx), 1, w - x);
        p.CropH = Math.Clamp((int)Math.Round(p.CropH * sy), 1, h - y);
        (p.CropX, p.CropY) = (x, y);
    }
}
