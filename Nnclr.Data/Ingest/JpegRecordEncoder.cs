using SkiaSharp;

namespace Nnclr.Data.Ingest;

/// <summary>
/// Makes one jpeg-codec record from an image file: an upright JPEG (no EXIF turn) whose longer side is ≤ max side is kept byte for byte;
/// anything else (PNG, a larger JPEG) is decoded, resized so the longer side is max side (Skia linear + mipmaps,
/// antialiased; never upscaled) and re-encoded as JPEG at the given quality. Every record is then decoded once at
/// 1/8 scale (libjpeg-turbo's DCT scaling) to check it decodes and to give the split's mean/std a cheap sample.
/// </summary>
internal static class JpegRecordEncoder
{
    /// <summary>Files larger than this are skipped unread (no real photo at ≤ 64 MP comes close).</summary>
    public const long MaxFileBytes = 256L << 20;

    /// <summary>The record bytes, a small HWC RGB thumbnail for statistics, and whether it was re-encoded; or why the file cannot be used.</summary>
    public static (byte[]? Data, byte[] Thumbnail, bool Reencoded, string? Error) Prepare(string path, int maxSide, int quality, long maxPixels)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxFileBytes) return (null, [], false, $"file is {length} bytes, over the {MaxFileBytes >> 20} MiB limit");
        if (length == 0) return (null, [], false, "empty file");
        var bytes = File.ReadAllBytes(path);
        using (var data = SKData.CreateCopy(bytes))
        using (var codec = SKCodec.Create(data))
        {
            if (codec is null) return (null, [], false, "not a decodable image");
            int w = codec.Info.Width, h = codec.Info.Height;
            if (w <= 0 || h <= 0) return (null, [], false, $"empty image ({w}x{h})");
            if ((long)w * h > maxPixels) return (null, [], false, $"header declares {w}x{h} = {(double)w * h / 1e6:F1} megapixels, over the limit of {maxPixels / 1e6:0.####} (--max-megapixels)");
            // A JPEG with an EXIF orientation is re-encoded upright: records carry no orientation for decoders to apply.
            if (codec.EncodedFormat != SKEncodedImageFormat.Jpeg || Math.Max(w, h) > maxSide || codec.EncodedOrigin != SKEncodedOrigin.TopLeft)
            {
                var (re, why) = Reencode(codec, w, h, maxSide, quality);
                if (re is null) return (null, [], false, why);
                bytes = re;
            }
            else return Finish(bytes, reencoded: false);
        }
        return Finish(bytes, reencoded: true);
    }

    private static (byte[]? Data, string? Error) Reencode(SKCodec codec, int w, int h, int maxSide, int quality)
    {
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var stored = new SKBitmap(info);
        var result = codec.GetPixels(info, stored.GetPixels());
        if (result != SKCodecResult.Success) return (null, $"decoding failed ({result})");
        using var upright = ExifOrientation.Upright(stored, codec.EncodedOrigin);
        var full = upright ?? stored;
        (w, h) = (full.Width, full.Height);
        double scale = Math.Min(1.0, (double)maxSide / Math.Max(w, h));
        int nw = Math.Clamp((int)Math.Round(w * scale), 1, maxSide), nh = Math.Clamp((int)Math.Round(h * scale), 1, maxSide);
        using var resized = nw == w && nh == h ? null
            : full.Resize(new SKImageInfo(nw, nh, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        var src = resized ?? full;
        if (src is null) return (null, "resizing failed");
        // JPEG has no alpha: composite nothing, just drop it (as PIL's convert("RGB")).
        using var image = SKImage.FromBitmap(src);
        using var encoded = image.Encode(SKEncodedImageFormat.Jpeg, quality);
        return encoded is null ? (null, "JPEG re-encoding failed") : (encoded.ToArray(), null);
    }

    private static (byte[]? Data, byte[] Thumbnail, bool Reencoded, string? Error) Finish(byte[] bytes, bool reencoded)
    {
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        if (codec is null) return (null, [], false, "not a decodable JPEG after re-encoding");
        var dims = codec.GetScaledDimensions(0.125f);
        var info = new SKImageInfo(dims.Width, dims.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize];
        unsafe
        {
            fixed (byte* p = rgba)
            {
                var result = codec.GetPixels(info, (IntPtr)p);
                if (result != SKCodecResult.Success) return (null, [], false, $"decoding failed ({result})");
            }
        }
        var rgb = new byte[dims.Width * dims.Height * 3];
        for (int i = 0, n = dims.Width * dims.Height; i < n; i++)
        {
            rgb[3 * i] = rgba[4 * i]; rgb[3 * i + 1] = rgba[4 * i + 1]; rgb[3 * i + 2] = rgba[4 * i + 2];
        }
        return (bytes, rgb, reencoded, null);
    }
}
