using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nnclr.Data.Augment;

/// <summary>
/// Bilinear resampling with PyTorch's <c>interpolate(mode="bilinear", align_corners=False)</c> index rule,
/// without antialiasing (RandomResizedCrop always upsamples when output size ≥ input size; downsampling, e.g.
/// 96 → 64 px, aliases as torch does with antialias=False). Separable: a horizontal pass over the needed
/// source rows into planar fp32, then a vectorised vertical pass. The 1/255 scale is folded into the weights.
/// </summary>
internal static class Bilinear
{
    /// <summary>
    /// Index tables for one axis: output o reads source <c>i0[o]</c> with weight <c>w0[o]</c> and <c>i1[o]</c> with
    /// <c>w1[o]</c>. Source coordinate = (o' + offset + 0.5)·scale − 0.5 clamped at 0, within [start, start + len),
    /// where o' = o, or len − 1 − o when <paramref name="flip"/>. Weights are multiplied by <paramref name="gain"/>.
    /// </summary>
    public static void BuildAxis(int outLen, double scale, double offset, int start, int len, bool flip, float gain,
        Span<int> i0, Span<int> i1, Span<float> w0, Span<float> w1)
    {
        for (int o = 0; o < outLen; o++)
        {
            int oo = flip ? outLen - 1 - o : o;
            double src = (oo + offset + 0.5) * scale - 0.5;
            if (src < 0) src = 0;
            int i = Math.Min((int)src, len - 1);
            double lambda = Math.Clamp(src - i, 0, 1);
            i0[o] = start + i;
            i1[o] = start + Math.Min(i + 1, len - 1);
            w0[o] = (float)((1 - lambda) * gain);
            w1[o] = (float)(lambda * gain);
        }
    }

    /// <summary>
    /// Resamples HWC uint8 <paramref name="hwc"/> (<paramref name="pixelBytes"/> bytes a pixel: 3 for RGB, 4 for RGBA
    /// whose alpha is ignored; row stride <paramref name="inWidth"/>·pixelBytes) into planar <paramref name="dst"/>
    /// (3 planes of outH·outW) using the axis tables. <paramref name="rows"/> needs (y1[last] − y0[0] + 1)·3·outW floats.
    /// </summary>
    public static void Resample(ReadOnlySpan<byte> hwc, int inWidth, int outH, int outW,
        ReadOnlySpan<int> x0, ReadOnlySpan<int> x1, ReadOnlySpan<float> xw0, ReadOnlySpan<float> xw1,
        ReadOnlySpan<int> y0, ReadOnlySpan<int> y1, ReadOnlySpan<float> yw0, ReadOnlySpan<float> yw1,
        Span<float> rows, Span<float> dst, int pixelBytes = 3)
    {
        if (pixelBytes is not (3 or 4)) throw new ArgumentOutOfRangeException(nameof(pixelBytes), $"pixels are 3 (RGB) or 4 (RGBA) bytes, not {pixelBytes}");
        int rmin = y0[0], rmax = y1[outH - 1], stride = 3 * outW, pb = pixelBytes;
        ref byte src = ref MemoryMarshal.GetReference(hwc);
        for (int r = rmin; r <= rmax; r++)
        {
            int rowBase = r * inWidth * pb;
            if (rowBase + inWidth * pb > hwc.Length) throw new ArgumentException("input image is smaller than its declared size");
            var t = rows.Slice((r - rmin) * stride, stride);
            for (int o = 0; o < outW; o++)
            {
                int a = rowBase + x0[o] * pb, b = rowBase + x1[o] * pb;
                float wa = xw0[o], wb = xw1[o];
                t[o] = Unsafe.Add(ref src, a) * wa + Unsafe.Add(ref src, b) * wb;
                t[outW + o] = Unsafe.Add(ref src, a + 1) * wa + Unsafe.Add(ref src, b + 1) * wb;
                t[2 * outW + o] = Unsafe.Add(ref src, a + 2) * wa + Unsafe.Add(ref src, b + 2) * wb;
            }
        }
        int plane = outH * outW;
        for (int y = 0; y < outH; y++)
        {
            var wa = yw0[y]; var wb = yw1[y];
            for (int c = 0; c < 3; c++)
            {
                var ra = rows.Slice((y0[y] - rmin) * stride + c * outW, outW);
                var rb = rows.Slice((y1[y] - rmin) * stride + c * outW, outW);
                Lerp(ra, rb, wa, wb, dst.Slice(c * plane + y * outW, outW));
            }
        }
    }

    private static void Lerp(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float wa, float wb, Span<float> d)
    {
        int i = 0, n = d.Length;
        ref float ra = ref MemoryMarshal.GetReference(a), rb = ref MemoryMarshal.GetReference(b), rd = ref MemoryMarshal.GetReference(d);
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(wa); var vb = new Vector<float>(wb);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
                (Vector.LoadUnsafe(ref ra, (nuint)i) * va + Vector.LoadUnsafe(ref rb, (nuint)i) * vb).StoreUnsafe(ref rd, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref rd, i) = Unsafe.Add(ref ra, i) * wa + Unsafe.Add(ref rb, i) * wb;
    }
}
