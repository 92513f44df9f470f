using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nnclr.Data.Augment;

/// <summary>
/// torchvision's gaussian_blur: a normalised 1-D kernel exp(−x²/2σ²) over x = −(k−1)/2 … (k−1)/2, applied
/// separably with reflect padding (edge pixel not repeated). Interior columns and all rows are vectorised.
/// </summary>
internal static class GaussianBlur
{
    /// <summary>Fills <paramref name="kernel"/> (length k, odd) for <paramref name="sigma"/>.</summary>
    public static void Kernel(Span<float> kernel, double sigma)
    {
        int k = kernel.Length;
        double half = (k - 1) * 0.5, sum = 0;
        Span<double> pdf = stackalloc double[k];
        for (int i = 0; i < k; i++) { double x = (i - half) / sigma; pdf[i] = Math.Exp(-0.5 * x * x); sum += pdf[i]; }
        for (int i = 0; i < k; i++) kernel[i] = (float)(pdf[i] / sum);
    }

    /// <summary>
    /// The middle of a <see cref="Kernel"/> without its negligible tails: taps of weight below 2⁻²⁴ (half a float ULP
    /// of 1) are dropped symmetrically, so the result equals the full kernel's up to float rounding (each dropped tap
    /// contributes less than 6e-8 of a pixel in [0, 1]) while a small σ does a few taps instead of 0.1·S — and no
    /// denormal weights (a σ 0.5 kernel of 23 taps has weights near 1e-106 that slow every multiply).
    /// </summary>
    public static ReadOnlySpan<float> Significant(ReadOnlySpan<float> kernel)
    {
        const float Negligible = 1f / (1 << 24);
        int lo = 0, hi = kernel.Length - 1;
        while (hi - lo >= 2 && kernel[lo] < Negligible && kernel[hi] < Negligible) { lo++; hi--; }
        return kernel[lo..(hi + 1)];
    }

    /// <summary>Reflect index into [0, n): −1 → 1, n → n − 2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Reflect(int i, int n)
    {
        while ((uint)i >= (uint)n) i = i < 0 ? -i : 2 * n - 2 - i;
        return i;
    }

    /// <summary>Blurs 3 planes of h×w in <paramref name="img"/> in place; <paramref name="tmp"/> holds 3·h·w floats.</summary>
    public static void Apply(Span<float> img, int h, int w, ReadOnlySpan<float> kernel, Span<float> tmp)
    {
        int r = kernel.Length / 2, plane = h * w, V = Vector<float>.Count;
        if (r >= h || r >= w) throw new ArgumentException($"blur kernel of {kernel.Length} is too large for a {h}x{w} image");
        ref float k0 = ref MemoryMarshal.GetReference(kernel);
        for (int c = 0; c < 3; c++)
        {
            var src = img.Slice(c * plane, plane);
            var mid = tmp.Slice(c * plane, plane);
            // Horizontal pass: src → mid.
            for (int y = 0; y < h; y++)
            {
                ref float row = ref MemoryMarshal.GetReference(src.Slice(y * w, w));
                ref float outRow = ref MemoryMarshal.GetReference(mid.Slice(y * w, w));
                int x = 0;
                for (; x < Math.Min(r, w); x++) Unsafe.Add(ref outRow, x) = EdgeTap(ref row, x, w, ref k0, kernel.Length);
                for (; x <= w - r - V; x += V)
                {
                    var acc = Vector<float>.Zero;
                    for (int j = 0; j < kernel.Length; j++) acc += Vector.LoadUnsafe(ref row, (nuint)(x - r + j)) * new Vector<float>(Unsafe.Add(ref k0, j));
                    acc.StoreUnsafe(ref outRow, (nuint)x);
                }
                for (; x < w; x++) Unsafe.Add(ref outRow, x) = EdgeTap(ref row, x, w, ref k0, kernel.Length);
            }
            // Vertical pass: mid → src, whole rows at a time.
            for (int y = 0; y < h; y++)
            {
                ref float outRow = ref MemoryMarshal.GetReference(src.Slice(y * w, w));
                int x = 0;
                for (; x <= w - V; x += V)
                {
                    var acc = Vector<float>.Zero;
                    for (int j = 0; j < kernel.Length; j++)
                        acc += Vector.LoadUnsafe(ref MemoryMarshal.GetReference(mid), (nuint)(Reflect(y - r + j, h) * w + x)) * new Vector<float>(Unsafe.Add(ref k0, j));
                    acc.StoreUnsafe(ref outRow, (nuint)x);
                }
                for (; x < w; x++)
                {
                    float acc = 0;
                    for (int j = 0; j < kernel.Length; j++) acc += mid[Reflect(y - r + j, h) * w + x] * Unsafe.Add(ref k0, j);
                    Unsafe.Add(ref outRow, x) = acc;
                }
            }
        }
    }

    private static float EdgeTap(ref float row, int x, int w, ref float k0, int k)
    {
        int r = k / 2;
        float acc = 0;
        for (int j = 0; j < k; j++) acc += Unsafe.Add(ref row, Reflect(x - r + j, w)) * Unsafe.Add(ref k0, j);
        return acc;
    }
}
