namespace Nnclr.Data.Tests.Augment;

/// <summary>Plain scalar reference implementations, in doubles, of torchvision's float-tensor definitions.</summary>
internal static class Reference
{
    public static double Grey(double r, double g, double b) => 0.299 * r + 0.587 * g + 0.114 * b;
    private static double C(double x) => Math.Clamp(x, 0, 1);

    public static double[] Brightness(double[] img, double f) => img.Select(x => C(x * f)).ToArray();

    public static double[] Contrast(double[] img, int n, double f)
    {
        double mean = 0;
        for (int i = 0; i < n; i++) mean += Grey(img[i], img[n + i], img[2 * n + i]);
        mean /= n;
        return img.Select(x => C(f * x + (1 - f) * mean)).ToArray();
    }

    public static double[] Saturation(double[] img, int n, double f)
    {
        var o = new double[img.Length];
        for (int i = 0; i < n; i++)
        {
            double g = Grey(img[i], img[n + i], img[2 * n + i]);
            for (int c = 0; c < 3; c++) o[c * n + i] = C(f * img[c * n + i] + (1 - f) * g);
        }
        return o;
    }

    public static double[] Greyscale(double[] img, int n)
    {
        var o = new double[img.Length];
        for (int i = 0; i < n; i++) { double g = Grey(img[i], img[n + i], img[2 * n + i]); o[i] = o[n + i] = o[2 * n + i] = g; }
        return o;
    }

    public static double[] Solarize(double[] img, double threshold) => img.Select(x => x >= threshold ? 1 - x : x).ToArray();

    /// <summary>torchvision adjust_hue on float tensors: _rgb2hsv, shift, _hsv2rgb.</summary>
    public static double[] Hue(double[] img, int n, double shift)
    {
        var o = new double[img.Length];
        for (int i = 0; i < n; i++)
        {
            double r = img[i], g = img[n + i], b = img[2 * n + i];
            double maxc = Math.Max(r, Math.Max(g, b)), minc = Math.Min(r, Math.Min(g, b));
            bool eqc = maxc == minc;
            double cr = maxc - minc, s = cr / (eqc ? 1 : maxc), d = eqc ? 1 : cr;
            double rc = (maxc - r) / d, gc = (maxc - g) / d, bc = (maxc - b) / d;
            double h = maxc == r ? bc - gc : maxc == g ? 2 + rc - bc : 4 + gc - rc;
            h = Mod1(h / 6 + 1);
            h = Mod1(h + shift);
            double v = maxc, fi = Math.Floor(h * 6), f = h * 6 - fi;
            int sector = ((int)fi) % 6;
            double p = C(v * (1 - s)), q = C(v * (1 - s * f)), t = C(v * (1 - s * (1 - f)));
            (o[i], o[n + i], o[2 * n + i]) = sector switch
            {
                0 => (v, t, p), 1 => (q, v, p), 2 => (p, v, t), 3 => (p, q, v), 4 => (t, p, v), _ => (v, p, q),
            };
        }
        return o;
    }

    private static double Mod1(double x) => x - Math.Floor(x);

    /// <summary>2-D Gaussian blur with torchvision's kernel and reflect padding, per plane.</summary>
    public static double[] Blur(double[] img, int h, int w, int k, double sigma)
    {
        var k1 = new double[k];
        double half = (k - 1) / 2.0, sum = 0;
        for (int i = 0; i < k; i++) { k1[i] = Math.Exp(-0.5 * Math.Pow((i - half) / sigma, 2)); sum += k1[i]; }
        for (int i = 0; i < k; i++) k1[i] /= sum;
        int Refl(int i, int n) => i < 0 ? -i : i >= n ? 2 * n - 2 - i : i;
        var o = new double[img.Length];
        int r = k / 2;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double acc = 0;
                    for (int dy = 0; dy < k; dy++)
                        for (int dx = 0; dx < k; dx++)
                            acc += k1[dy] * k1[dx] * img[c * h * w + Refl(y - r + dy, h) * w + Refl(x - r + dx, w)];
                    o[c * h * w + y * w + x] = acc;
                }
        return o;
    }

    /// <summary>Crop (x, y, cw, ch) of a HWC uint8 image, bilinear resize to s×s (align_corners=False), optional flip; planar [0, 1].</summary>
    public static double[] ResizedCrop(byte[] hwc, int width, int cx, int cy, int cw, int ch, int s, bool flip)
    {
        var o = new double[3 * s * s];
        static (int, int, double) Src(int dst, int inLen, int outLen)
        {
            double src = (dst + 0.5) * inLen / outLen - 0.5;
            if (src < 0) src = 0;
            int i0 = Math.Min((int)Math.Floor(src), inLen - 1);
            return (i0, Math.Min(i0 + 1, inLen - 1), src - i0);
        }
        for (int y = 0; y < s; y++)
            for (int x = 0; x < s; x++)
            {
                var (y0, y1, ly) = Src(y, ch, s);
                var (x0, x1, lx) = Src(flip ? s - 1 - x : x, cw, s);
                for (int c = 0; c < 3; c++)
                {
                    double P(int yy, int xx) => hwc[((cy + yy) * width + cx + xx) * 3 + c] / 255.0;
                    o[c * s * s + y * s + x] = (1 - ly) * ((1 - lx) * P(y0, x0) + lx * P(y0, x1)) + ly * ((1 - lx) * P(y1, x0) + lx * P(y1, x1));
                }
            }
        return o;
    }

    /// <summary>Nearest bf16 (ties to even) of a finite float, by exhaustive comparison of the two neighbours.</summary>
    public static ushort Bf16(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        ushort lo = (ushort)(bits >> 16), hi = (ushort)(lo + 1);
        double dl = Math.Abs(f - (double)BitConverter.UInt32BitsToSingle((uint)lo << 16));
        double dh = Math.Abs(f - (double)BitConverter.UInt32BitsToSingle((uint)hi << 16));
        return dl < dh ? lo : dh < dl ? hi : (lo % 2 == 0 ? lo : hi);
    }
}
