using System.Runtime.InteropServices;
using SkiaSharp;

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
        int fullW, fullH, w, h;
        ViewParams p1, p2;
        unsafe
        {
            fixed (byte* src = encoded)
            {
                using var data = SKData.Create((IntPtr)src, encoded.Length);
                using var codec = SKCodec.Create(data) ?? throw new InvalidDataException($"{what}: not a decodable image");
                (fullW, fullH) = (codec.Info.Width, codec.Info.Height);
                if (fullW <= 0 || fullH <= 0) throw new InvalidDataException($"{what}: empty image {fullW}x{fullH}");
                var rng = new SampleRandom(seed, epoch, sampleKey, stream: 0xA0_6E_A7);
                p1 = ViewParams.Draw(_aug.View1, ref rng, fullH, fullW);
                p2 = ViewParams.Draw(_aug.View2, ref rng, fullH, fullW);
                // The smallest DCT scale at which both crops still have ≥ S source pixels on each axis (no upsampling added).
                int S = OutSize;
                double need = Math.Max(Math.Max((double)S / p1.CropW, (double)S / p1.CropH), Math.Max((double)S / p2.CropW, (double)S / p2.CropH));
                // A larger image than the buffers hold is decoded smaller still (DCT scaling cannot go below 1/8).
                need = Math.Min(need, (double)MaxSide / Math.Max(fullW, fullH));
                var dims = need >= 1 ? new SKSizeI(fullW, fullH) : codec.GetScaledDimensions((float)need);
                (w, h) = (dims.Width, dims.Height);
                if (w > MaxSide || h > MaxSide)
                    throw new InvalidDataException($"{what}: {fullW}x{fullH} decodes at {w}x{h} at best, over the {MaxSide}-px limit of the decode buffers");
                var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
                fixed (byte* rgba = s.Rgba)
                {
                    var result = codec.GetPixels(info, (IntPtr)rgba);
                    if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
                        throw new InvalidDataException($"{what}: decoding failed ({result})");
                }
            }
        }
        long decodeTicks = System.Diagnostics.Stopwatch.GetTimestamp() - t0;
        Scale(ref p1, fullW, fullH, w, h);
        Scale(ref p2, fullW, fullH, w, h);
        // The resampler reads the decoder's RGBA rows directly (alpha skipped): no RGBA → RGB pass over the whole image.
        var pixels = s.Rgba.AsSpan(0, w * h * 4);
        _aug.Render(pixels, w, p1, _aug.Kernel1, _aug.View1, s.Views, pixelBytes: 4);
        OutputWriter.Fp32(s.Views.Planar, OutSize * OutSize, _aug.Scale, _aug.Bias, view1);
        _aug.Render(pixels, w, p2, _aug.Kernel2, _aug.View2, s.Views, pixelBytes: 4);
        OutputWriter.Fp32(s.Views.Planar, OutSize * OutSize, _aug.Scale, _aug.Bias, view2);
        return decodeTicks;
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
