namespace Nnclr.Data.Augment;

/// <summary>The random parameters of one view, drawn once per (seed, epoch, sample, view).</summary>
internal struct ViewParams
{
    // Crop rectangle in input pixels: 0 ≤ X, X + W ≤ input width, same for Y/H; W, H ≥ 1.
    public int CropX, CropY, CropW, CropH;
    public bool Flip;
    // Colour jitter applied; then Order holds the 4 operations (0 brightness, 1 contrast, 2 saturation, 3 hue), 2 bits each.
    public bool Jitter;
    public int Order;
    // Jitter factors; 1 (or 0 for hue) when that operation is disabled.
    public float Brightness, Contrast, Saturation, Hue;
    public bool Grey, Blur, Solarize;
    public float Sigma;

    public readonly int OrderAt(int k) => (Order >> (2 * k)) & 3;

    /// <summary>Draws a view's parameters as torchvision does (RandomResizedCrop.get_params, ColorJitter.get_params, …).</summary>
    public static ViewParams Draw(ViewPolicy p, ref SampleRandom rng, int height, int width)
    {
        var v = new ViewParams { Brightness = 1, Contrast = 1, Saturation = 1 };
        DrawCrop(p, ref rng, height, width, ref v);
        v.Flip = rng.Bernoulli(p.FlipP);
        v.Jitter = rng.Bernoulli(p.JitterP);
        if (v.Jitter)
        {
            Span<int> order = [0, 1, 2, 3];
            for (int i = 3; i > 0; i--) { int j = rng.NextInt(i + 1); (order[i], order[j]) = (order[j], order[i]); }
            v.Order = order[0] | order[1] << 2 | order[2] << 4 | order[3] << 6;
            if (p.Brightness > 0) v.Brightness = (float)rng.Uniform(Math.Max(0, 1 - p.Brightness), 1 + p.Brightness);
            if (p.Contrast > 0) v.Contrast = (float)rng.Uniform(Math.Max(0, 1 - p.Contrast), 1 + p.Contrast);
            if (p.Saturation > 0) v.Saturation = (float)rng.Uniform(Math.Max(0, 1 - p.Saturation), 1 + p.Saturation);
            if (p.Hue > 0) v.Hue = (float)rng.Uniform(-p.Hue, p.Hue);
        }
        v.Grey = rng.Bernoulli(p.GreyscaleP);
        v.Blur = rng.Bernoulli(p.BlurP);
        if (v.Blur) v.Sigma = (float)rng.Uniform(p.BlurSigmaMin, p.BlurSigmaMax);
        v.Solarize = rng.Bernoulli(p.SolarizeP);
        return v;
    }

    private static void DrawCrop(ViewPolicy p, ref SampleRandom rng, int height, int width, ref ViewParams v)
    {
        double area = (double)height * width, logMin = Math.Log(p.AspectMin), logMax = Math.Log(p.AspectMax);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * rng.Uniform(p.CropAreaMin, p.CropAreaMax);
            double aspect = Math.Exp(rng.Uniform(logMin, logMax));
            int w = (int)Math.Round(Math.Sqrt(target * aspect)), h = (int)Math.Round(Math.Sqrt(target / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                v.CropY = rng.NextInt(height - h + 1);
                v.CropX = rng.NextInt(width - w + 1);
                (v.CropW, v.CropH) = (w, h);
                return;
            }
        }
        // Fallback: centre crop at the closest allowed aspect ratio.
        double ratio = (double)width / height;
        if (ratio < p.AspectMin) { v.CropW = width; v.CropH = Math.Clamp((int)Math.Round(width / p.AspectMin), 1, height); }
        else if (ratio > p.AspectMax) { v.CropH = height; v.CropW = Math.Clamp((int)Math.Round(height * p.AspectMax), 1, width); }
        else { v.CropW = width; v.CropH = height; }
        v.CropY = (height - v.CropH) / 2;
        v.CropX = (width - v.CropW) / 2;
    }
}
