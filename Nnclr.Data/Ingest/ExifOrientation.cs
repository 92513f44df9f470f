using SkiaSharp;

namespace Nnclr.Data.Ingest;

/// <summary>
/// EXIF orientation (phone photos store the sensor's pixels and a tag saying how to turn them): applied once, where
/// an image file's pixels are decoded for nnclr (raw ingest, embed --images, and jpeg ingest, which re-encodes a
/// turned JPEG upright so every later decoder — augmenter, evaluation, embed of a dataset — sees upright records
/// without knowing about EXIF). Skia reads the tag (<see cref="SKCodec.EncodedOrigin"/>) but does not apply it.
/// </summary>
public static class ExifOrientation
{
    /// <summary>True when the origin swaps width and height (the four 90° cases, EXIF 5–8).</summary>
    public static bool SwapsSides(SKEncodedOrigin origin) => origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop
        or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>The upright image of <paramref name="stored"/> (32-bit pixels) for <paramref name="origin"/>; null when it already is upright.</summary>
    public static SKBitmap? Upright(SKBitmap stored, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft || (int)origin is < 1 or > 8) return null;
        int w = stored.Width, h = stored.Height;
        bool swap = SwapsSides(origin);
        int W = swap ? h : w, H = swap ? w : h;
        var upright = new SKBitmap(new SKImageInfo(W, H, stored.ColorType, stored.AlphaType));
        var src = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(stored.GetPixelSpan());
        var dst = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(upright.GetPixelSpan());
        int srcRow = stored.RowBytes / 4, dstRow = upright.RowBytes / 4;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                // (x, y) of the upright image shows stored pixel (sx, sy).
                var (sx, sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (y, h - 1 - x),
                    SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x), // LeftBottom
                };
                dst[y * dstRow + x] = src[sy * srcRow + sx];
            }
        return upright;
    }
}
