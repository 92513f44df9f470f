using SkiaSharp;

namespace Nnclr.Data.Ingest;

/// <summary>
/// Decodes a JPEG/PNG with SkiaSharp to RGB: greyscale and palette images expand to RGB, alpha is dropped
/// (as PIL's convert("RGB")), and the EXIF orientation is applied (<see cref="ExifOrientation"/>). Then the shorter side is resized to the target size (Skia linear + mipmaps, so
/// downscaling is antialiased) and the centre is cropped.
/// </summary>
internal static class ImageDecoder
{
    /// <summary>Refuses images over <paramref name="maxPixels"/> from the header alone. Writes a size×size HWC RGB image into <paramref name="dst"/>; returns null, or why the file cannot be used.</summary>
    public static string? Decode(string path, int size, long maxPixels, Span<byte> dst)
    {
        using var codec = SKCodec.Create(path, out var created);
        if (codec is null) return $"not a decodable image ({created})";
        int w = codec.Info.Width, h = codec.Info.Height;
        if (w <= 0 || h <= 0) return $"empty image ({w}x{h})";
        var origin = codec.EncodedOrigin;
        int sw = w, sh = h; // as stored; w×h below is upright (EXIF orientation applied)
        if (ExifOrientation.SwapsSides(origin)) (w, h) = (h, w);
        // The header's dimensions, checked before any pixel buffer exists: a bomb costs only its header.
        if ((long)w * h > maxPixels) return $"header declares {w}x{h} = {(double)w * h / 1e6:F1} megapixels, over the limit of {maxPixels / 1e6:0.####} (--max-megapixels)";
        double scale = (double)size / Math.Min(w, h);
        // The resized image, not only the decoded one, must fit the limit: a 1×5000 strip at 224 would be 1.1 MP × 224.
        double resizedPixels = Math.Max(size, w * scale) * Math.Max(size, h * scale);
        if (resizedPixels > maxPixels)
            return $"{w}x{h} resized to a shorter side of {size} would be {resizedPixels / 1e6:F1} megapixels, over the limit of {maxPixels / 1e6:0.####} (aspect ratio too extreme)";
        var info = new SKImageInfo(sw, sh, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var stored = new SKBitmap(info);
        var result = codec.GetPixels(info, stored.GetPixels());
        if (result != SKCodecResult.Success) return $"decoding failed ({result})";
        using var upright = ExifOrientation.Upright(stored, origin);
        var full = upright ?? stored;
        int nw = Math.Max(size, (int)Math.Round(w * scale)), nh = Math.Max(size, (int)Math.Round(h * scale));
        using var resized = nw == w && nh == h ? null : full.Resize(new SKImageInfo(nw, nh, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        var src = resized ?? full;
        if (src is null) return "resizing failed";
        int left = (nw - size) / 2, top = (nh - size) / 2;
        var pixels = src.GetPixelSpan();
        int stride = src.RowBytes;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int s = (top + y) * stride + (left + x) * 4, d = (y * size + x) * 3;
                dst[d] = pixels[s]; dst[d + 1] = pixels[s + 1]; dst[d + 2] = pixels[s + 2];
            }
        return null;
    }
}
