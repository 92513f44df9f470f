using SkiaSharp;

namespace Nnclr.Data.Augment;

/// <summary>
/// One worker's decoder of stored JPEG/PNG records for the deterministic paths (evaluation, embedding): decodes at the
/// smallest DCT scale n/8 whose shorter side still reaches <c>minShorterSide</c> (libjpeg-turbo through the system's
/// TurboJPEG when installed, else SkiaSharp: the same pixels), greyscale and palette images as RGB, into an RGBA buffer
/// sized once from the max-side limit. Not thread-safe: one per worker. Nothing of pixel size is allocated per image.
/// </summary>
public sealed class EncodedImageDecoder
{
    // Decoded RGBA pixels: MaxSide² · 4 bytes.
    private readonly byte[] _rgba;
    // TurboJPEG decompressor, when the library loaded.
    private readonly TurboJpeg.Handle? _turbo;

    /// <summary>Largest decoded side (after DCT scaling) the buffer holds.</summary>
    public int MaxSide { get; }

    public EncodedImageDecoder(int maxSide)
    {
        if (maxSide < 1 || maxSide > 16384) throw new ArgumentOutOfRangeException(nameof(maxSide), $"max side {maxSide} must be in 1..16384");
        MaxSide = maxSide;
        _rgba = GC.AllocateUninitializedArray<byte>(maxSide * maxSide * 4, pinned: true);
        _turbo = TurboJpeg.Available ? new TurboJpeg.Handle() : null;
    }

    /// <summary>
    /// Decodes <paramref name="encoded"/> at the smallest DCT scale whose shorter side still reaches
    /// <paramref name="minShorterSide"/>; see the general overload.
    /// </summary>
    public (ReadOnlyMemory<byte> Rgba, int Width, int Height) Decode(ReadOnlySpan<byte> encoded, int minShorterSide, string what)
    {
        var scale = new ShorterSideAtLeast(minShorterSide);
        return Decode(encoded, ref scale, what);
    }

    /// <summary>
    /// Decodes <paramref name="encoded"/> at the scale <paramref name="scale"/> asks for (lowered while a side exceeds
    /// MaxSide); returns the RGBA pixels (4 bytes a pixel, valid until the next call), their size and the full size.
    /// <paramref name="useTurboJpeg"/> false forces SkiaSharp (tests compare the two). Throws
    /// <see cref="InvalidDataException"/> naming <paramref name="what"/> when the bytes do not decode or the image
    /// cannot be decoded within MaxSide.
    /// </summary>
    public (ReadOnlyMemory<byte> Rgba, int Width, int Height) Decode<TScale>(ReadOnlySpan<byte> encoded, ref TScale scale, string what,
        bool useTurboJpeg = true) where TScale : struct, IDecodeScale
    {
        if (useTurboJpeg && _turbo is not null && TurboJpeg.TryReadHeader(_turbo, encoded, out int fw, out int fh))
        {
            int n = Fit(fw, fh, scale.Eighths(fw, fh), what);
            int w = Scaled(fw, n), h = Scaled(fh, n);
            if (TurboJpeg.TryDecode(_turbo, encoded, w, h, _rgba)) return (_rgba.AsMemory(0, w * h * 4), w, h);
        }
        unsafe
        {
            fixed (byte* src = encoded)
            {
                using var data = SKData.Create((IntPtr)src, encoded.Length);
                using var codec = SKCodec.Create(data) ?? throw new InvalidDataException($"{what}: not a decodable image");
                (fw, fh) = (codec.Info.Width, codec.Info.Height);
                int n = Fit(fw, fh, scale.Eighths(fw, fh), what);
                // A JPEG decodes at the chosen eighth (the same size as libjpeg-turbo's above); a PNG only at full size.
                var dims = n == 8 ? new SKSizeI(fw, fh) : codec.GetScaledDimensions(n / 8f);
                if (dims.Width > MaxSide || dims.Height > MaxSide)
                    throw new InvalidDataException($"{what}: {fw}x{fh} decodes at {dims.Width}x{dims.Height} at best, over the {MaxSide}-px limit of the decode buffers");
                var info = new SKImageInfo(dims.Width, dims.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
                fixed (byte* rgba = _rgba)
                {
                    var result = codec.GetPixels(info, (IntPtr)rgba);
                    if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
                        throw new InvalidDataException($"{what}: decoding failed ({result})");
                }
                return (_rgba.AsMemory(0, dims.Width * dims.Height * 4), dims.Width, dims.Height);
            }
        }
    }

    /// <summary>The wanted eighths (clamped to 1..8), lowered while a side exceeds MaxSide; at 1/8 and still too large, an error.</summary>
    private int Fit(int w, int h, int eighths, string what)
    {
        if (w <= 0 || h <= 0) throw new InvalidDataException($"{what}: empty image {w}x{h}");
        int n = Math.Clamp(eighths, 1, 8);
        while (n > 1 && Scaled(Math.Max(w, h), n) > MaxSide) n--;
        if (Scaled(w, n) > MaxSide || Scaled(h, n) > MaxSide)
            throw new InvalidDataException($"{what}: {w}x{h} decodes at {Scaled(w, n)}x{Scaled(h, n)} at best, over the {MaxSide}-px limit of the decode buffers");
        return n;
    }

    /// <summary>libjpeg-turbo's scaled side: ⌈side·n/8⌉.</summary>
    internal static int Scaled(int side, int eighths) => (int)(((long)side * eighths + 7) / 8);

    /// <summary>The smallest scale whose shorter side still reaches a minimum (evaluation and embedding views).</summary>
    private readonly struct ShorterSideAtLeast(int minShorterSide) : IDecodeScale
    {
        public int Eighths(int w, int h)
        {
            int n = 1;
            while (n < 8 && Scaled(Math.Min(w, h), n) < minShorterSide) n++;
            return n;
        }
    }
}
