using System.Buffers;

namespace Nnclr.Data.Augment;

/// <summary>The evaluation path: no randomness. Resize the shorter side to outSize, centre crop, normalise, CHW fp32.</summary>
public static class Preprocess
{
    /// <summary>
    /// HWC uint8 RGB → normalised CHW fp32 of outSize². Same size: normalise only. Otherwise bilinear (PyTorch
    /// index rule, no antialiasing) resize of the shorter side to outSize (the longer to ⌊outSize·long/short⌋, as
    /// torchvision), then a centre crop with torchvision's rounding. Buffers come from ArrayPool: no steady-state allocation.
    /// </summary>
    /// <remarks><paramref name="pixelBytes"/>: 3 for RGB, 4 for RGBA straight from a decoder (alpha ignored).</remarks>
    public static void ToNormalizedChw(ReadOnlySpan<byte> hwc, int height, int width, int outSize, float[] mean, float[] std, Span<float> chw, int pixelBytes = 3)
    {
        if (height <= 0 || width <= 0 || outSize <= 0) throw new ArgumentOutOfRangeException(nameof(outSize), $"sizes must be positive: {height}x{width} → {outSize}");
        if (pixelBytes is not (3 or 4)) throw new ArgumentOutOfRangeException(nameof(pixelBytes), $"pixels are 3 (RGB) or 4 (RGBA) bytes, not {pixelBytes}");
        if (hwc.Length < height * width * pixelBytes) throw new ArgumentException($"image has {hwc.Length} bytes; {height}x{width} at {pixelBytes} bytes a pixel needs {height * width * pixelBytes}", nameof(hwc));
        int n = outSize * outSize;
        if (chw.Length < 3 * n) throw new ArgumentException($"output needs {3 * n} floats; got {chw.Length}", nameof(chw));
        var (scale, bias) = Normalization.Affine(mean, std);
        if (height == outSize && width == outSize)
        {
            for (int i = 0; i < n; i++)
                for (int c = 0; c < 3; c++)
                    chw[c * n + i] = hwc[i * pixelBytes + c] / 255f * scale[c] + bias[c];
            return;
        }
        bool tall = height > width;
        int newH = tall ? (int)((long)outSize * height / width) : outSize;
        int newW = tall ? outSize : (int)((long)outSize * width / height);
        int top = (int)Math.Round((newH - outSize) / 2.0), left = (int)Math.Round((newW - outSize) / 2.0);
        var ints = ArrayPool<int>.Shared.Rent(4 * outSize);
        var floats = ArrayPool<float>.Shared.Rent(4 * outSize + height * 3 * outSize + 3 * n);
        try
        {
            var i4 = ints.AsSpan(); var f = floats.AsSpan();
            Span<int> x0 = i4[..outSize], x1 = i4.Slice(outSize, outSize), y0 = i4.Slice(2 * outSize, outSize), y1 = i4.Slice(3 * outSize, outSize);
            Span<float> xw0 = f[..outSize], xw1 = f.Slice(outSize, outSize), yw0 = f.Slice(2 * outSize, outSize), yw1 = f.Slice(3 * outSize, outSize);
            var rows = f.Slice(4 * outSize, height * 3 * outSize);
            var planar = f.Slice(4 * outSize + height * 3 * outSize, 3 * n);
            Bilinear.BuildAxis(outSize, (double)width / newW, left, 0, width, false, 1f / 255f, x0, x1, xw0, xw1);
            Bilinear.BuildAxis(outSize, (double)height / newH, top, 0, height, false, 1f, y0, y1, yw0, yw1);
            Bilinear.Resample(hwc, width, outSize, outSize, x0, x1, xw0, xw1, y0, y1, yw0, yw1, rows, planar, pixelBytes);
            OutputWriter.Fp32(planar, n, scale, bias, chw);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(ints);
            ArrayPool<float>.Shared.Return(floats);
        }
    }
}
