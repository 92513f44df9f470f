using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nnclr.Data.Augment;

/// <summary>
/// torchvision's colour operations on a planar fp32 image in [0, 1] (3 planes of n pixels, R G B), vectorised
/// with <see cref="Vector{T}"/> and a scalar tail. Each clamps to [0, 1] as torchvision does on float tensors.
/// Grey = 0.299 R + 0.587 G + 0.114 B.
/// </summary>
internal static class ColorOps
{
    public const float WR = 0.299f, WG = 0.587f, WB = 0.114f;

    /// <summary>Blend with black: x·f.</summary>
    public static void Brightness(Span<float> img, float f)
    {
        var vf = new Vector<float>(f);
        ref float p = ref MemoryMarshal.GetReference(img);
        int i = 0, n = img.Length;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            Clamp01(Vector.LoadUnsafe(ref p, (nuint)i) * vf).StoreUnsafe(ref p, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref p, i) = Math.Clamp(Unsafe.Add(ref p, i) * f, 0f, 1f);
    }

    /// <summary>Blend with the mean grey level of the whole image: f·x + (1 − f)·mean(grey).</summary>
    public static void Contrast(Span<float> img, int n, float f)
    {
        ref float r = ref MemoryMarshal.GetReference(img);
        ref float g = ref Unsafe.Add(ref r, n);
        ref float b = ref Unsafe.Add(ref r, 2 * n);
        var acc = Vector<float>.Zero;
        var vr = new Vector<float>(WR); var vg = new Vector<float>(WG); var vb = new Vector<float>(WB);
        int i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            acc += Vector.LoadUnsafe(ref r, (nuint)i) * vr + Vector.LoadUnsafe(ref g, (nuint)i) * vg + Vector.LoadUnsafe(ref b, (nuint)i) * vb;
        float sum = Vector.Sum(acc);
        for (; i < n; i++) sum += Unsafe.Add(ref r, i) * WR + Unsafe.Add(ref g, i) * WG + Unsafe.Add(ref b, i) * WB;
        Blend(img, f, (1 - f) * (sum / n));
    }

    /// <summary>x ← clamp(f·x + c).</summary>
    private static void Blend(Span<float> img, float f, float c)
    {
        var vf = new Vector<float>(f); var vc = new Vector<float>(c);
        ref float p = ref MemoryMarshal.GetReference(img);
        int i = 0, n = img.Length;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            Clamp01(Vector.LoadUnsafe(ref p, (nuint)i) * vf + vc).StoreUnsafe(ref p, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref p, i) = Math.Clamp(Unsafe.Add(ref p, i) * f + c, 0f, 1f);
    }

    /// <summary>Blend each pixel with its own grey level: f·x + (1 − f)·grey.</summary>
    public static void Saturation(Span<float> img, int n, float f)
    {
        ref float r = ref MemoryMarshal.GetReference(img);
        ref float g = ref Unsafe.Add(ref r, n);
        ref float b = ref Unsafe.Add(ref r, 2 * n);
        var vf = new Vector<float>(f); var vf1 = new Vector<float>(1 - f);
        var vr = new Vector<float>(WR); var vg = new Vector<float>(WG); var vb = new Vector<float>(WB);
        int i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var R = Vector.LoadUnsafe(ref r, (nuint)i); var G = Vector.LoadUnsafe(ref g, (nuint)i); var B = Vector.LoadUnsafe(ref b, (nuint)i);
            var grey = (R * vr + G * vg + B * vb) * vf1;
            Clamp01(R * vf + grey).StoreUnsafe(ref r, (nuint)i);
            Clamp01(G * vf + grey).StoreUnsafe(ref g, (nuint)i);
            Clamp01(B * vf + grey).StoreUnsafe(ref b, (nuint)i);
        }
        for (; i < n; i++)
        {
            float grey = (Unsafe.Add(ref r, i) * WR + Unsafe.Add(ref g, i) * WG + Unsafe.Add(ref b, i) * WB) * (1 - f);
            Unsafe.Add(ref r, i) = Math.Clamp(Unsafe.Add(ref r, i) * f + grey, 0f, 1f);
            Unsafe.Add(ref g, i) = Math.Clamp(Unsafe.Add(ref g, i) * f + grey, 0f, 1f);
            Unsafe.Add(ref b, i) = Math.Clamp(Unsafe.Add(ref b, i) * f + grey, 0f, 1f);
        }
    }

    /// <summary>R = G = B = grey.</summary>
    public static void Greyscale(Span<float> img, int n)
    {
        ref float r = ref MemoryMarshal.GetReference(img);
        ref float g = ref Unsafe.Add(ref r, n);
        ref float b = ref Unsafe.Add(ref r, 2 * n);
        var vr = new Vector<float>(WR); var vg = new Vector<float>(WG); var vb = new Vector<float>(WB);
        int i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var grey = Vector.LoadUnsafe(ref r, (nuint)i) * vr + Vector.LoadUnsafe(ref g, (nuint)i) * vg + Vector.LoadUnsafe(ref b, (nuint)i) * vb;
            grey.StoreUnsafe(ref r, (nuint)i); grey.StoreUnsafe(ref g, (nuint)i); grey.StoreUnsafe(ref b, (nuint)i);
        }
        for (; i < n; i++)
        {
            float grey = Unsafe.Add(ref r, i) * WR + Unsafe.Add(ref g, i) * WG + Unsafe.Add(ref b, i) * WB;
            Unsafe.Add(ref r, i) = grey; Unsafe.Add(ref g, i) = grey; Unsafe.Add(ref b, i) = grey;
        }
    }

    /// <summary>x ← 1 − x where x ≥ threshold (threshold on the 0..1 scale).</summary>
    public static void Solarize(Span<float> img, float threshold)
    {
        var vt = new Vector<float>(threshold);
        ref float p = ref MemoryMarshal.GetReference(img);
        int i = 0, n = img.Length;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var x = Vector.LoadUnsafe(ref p, (nuint)i);
            Vector.ConditionalSelect(Vector.GreaterThanOrEqual(x, vt), Vector<float>.One - x, x).StoreUnsafe(ref p, (nuint)i);
        }
        for (; i < n; i++) { float x = Unsafe.Add(ref p, i); Unsafe.Add(ref p, i) = x >= threshold ? 1 - x : x; }
    }

    /// <summary>
    /// Hue shift by <paramref name="shift"/> of a turn, through HSV exactly as torchvision's _rgb2hsv/_hsv2rgb:
    /// h = ((h/6 + 1) mod 1 + shift) mod 1, then back with p, q, t clamped to [0, 1].
    /// </summary>
    public static void Hue(Span<float> img, int n, float shift)
    {
        ref float r = ref MemoryMarshal.GetReference(img);
        ref float g = ref Unsafe.Add(ref r, n);
        ref float b = ref Unsafe.Add(ref r, 2 * n);
        int i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var R = Vector.LoadUnsafe(ref r, (nuint)i); var G = Vector.LoadUnsafe(ref g, (nuint)i); var B = Vector.LoadUnsafe(ref b, (nuint)i);
            HueVector(ref R, ref G, ref B, shift);
            R.StoreUnsafe(ref r, (nuint)i); G.StoreUnsafe(ref g, (nuint)i); B.StoreUnsafe(ref b, (nuint)i);
        }
        if (i < n)
        {
            // Tail: run the same vector code on a padded copy so both paths give identical results.
            Span<float> tr = stackalloc float[Vector<float>.Count], tg = stackalloc float[Vector<float>.Count], tb = stackalloc float[Vector<float>.Count];
            int m = n - i;
            for (int k = 0; k < m; k++) { tr[k] = Unsafe.Add(ref r, i + k); tg[k] = Unsafe.Add(ref g, i + k); tb[k] = Unsafe.Add(ref b, i + k); }
            var R = new Vector<float>(tr); var G = new Vector<float>(tg); var B = new Vector<float>(tb);
            HueVector(ref R, ref G, ref B, shift);
            R.CopyTo(tr); G.CopyTo(tg); B.CopyTo(tb);
            for (int k = 0; k < m; k++) { Unsafe.Add(ref r, i + k) = tr[k]; Unsafe.Add(ref g, i + k) = tg[k]; Unsafe.Add(ref b, i + k) = tb[k]; }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void HueVector(ref Vector<float> R, ref Vector<float> G, ref Vector<float> B, float shift)
    {
        var one = Vector<float>.One;
        var maxc = Vector.Max(Vector.Max(R, G), B);
        var minc = Vector.Min(Vector.Min(R, G), B);
        var eqc = Vector.Equals(maxc, minc);
        var cr = maxc - minc;
        var s = cr / Vector.ConditionalSelect(eqc, one, maxc);
        var crd = Vector.ConditionalSelect(eqc, one, cr);
        var rc = (maxc - R) / crd; var gc = (maxc - G) / crd; var bc = (maxc - B) / crd;
        var isR = Vector.Equals(maxc, R);
        var isG = Vector.AndNot(Vector.Equals(maxc, G), isR);
        var h = Vector.ConditionalSelect(isR, bc - gc, Vector.ConditionalSelect(isG, new Vector<float>(2f) + rc - bc, new Vector<float>(4f) + gc - rc));
        h = h / new Vector<float>(6f) + one;
        h -= Vector.Floor(h);
        h += new Vector<float>(shift);
        h -= Vector.Floor(h);
        var h6 = h * new Vector<float>(6f);
        var fi = Vector.Floor(h6);
        var f = h6 - fi;
        fi = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(fi, new Vector<float>(6f)), fi - new Vector<float>(6f), fi);
        var v = maxc;
        var p = Clamp01(v * (one - s));
        var q = Clamp01(v * (one - s * f));
        var t = Clamp01(v * (one - s * (one - f)));
        var m0 = Vector.Equals(fi, Vector<float>.Zero); var m1 = Vector.Equals(fi, one);
        var m2 = Vector.Equals(fi, new Vector<float>(2f)); var m3 = Vector.Equals(fi, new Vector<float>(3f));
        var m4 = Vector.Equals(fi, new Vector<float>(4f)); var m5 = Vector.Equals(fi, new Vector<float>(5f));
        R = Vector.ConditionalSelect(m0 | m5, v, Vector.ConditionalSelect(m1, q, Vector.ConditionalSelect(m2 | m3, p, t)));
        G = Vector.ConditionalSelect(m0, t, Vector.ConditionalSelect(m1 | m2, v, Vector.ConditionalSelect(m3, q, p)));
        B = Vector.ConditionalSelect(m0 | m1, p, Vector.ConditionalSelect(m2, t, Vector.ConditionalSelect(m3 | m4, v, q)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Clamp01(Vector<float> x) => Vector.Min(Vector.Max(x, Vector<float>.Zero), Vector<float>.One);
}
