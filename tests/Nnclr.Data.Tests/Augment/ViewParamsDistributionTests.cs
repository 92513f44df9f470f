using Nnclr.Data.Augment;

namespace Nnclr.Data.Tests.Augment;

/// <summary>Random parameters over many draws: rates within 4σ of their probabilities, ranges and means as defined.</summary>
public sealed class ViewParamsDistributionTests
{
    private const int Draws = 40_000;

    private static (ViewParams[] V1, ViewParams[] V2) DrawMany(TwoViewPolicy policy, int size = 32)
    {
        var aug = new TwoViewAugmenter(policy, size, size, size, Normalization.CifarMean, Normalization.CifarStd);
        var v1 = new ViewParams[Draws]; var v2 = new ViewParams[Draws];
        for (int i = 0; i < Draws; i++) (v1[i], v2[i]) = aug.DrawParams(12345, i / 1000, i);
        return (v1, v2);
    }

    private static void Rate(IEnumerable<bool> xs, double p, string what)
    {
        var list = xs.ToList();
        double rate = list.Count(x => x) / (double)list.Count, sigma = Math.Sqrt(p * (1 - p) / list.Count);
        Assert.True(Math.Abs(rate - p) <= 4 * sigma + 1e-12, $"{what}: rate {rate:F4}, expected {p} ± {4 * sigma:F4}");
    }

    [Fact]
    public void Draw_Byol_ProbabilitiesMatchPolicy()
    {
        var (v1, v2) = DrawMany(TwoViewPolicy.Byol);
        Rate(v1.Select(v => v.Flip), 0.5, "flip");
        Rate(v1.Select(v => v.Jitter), 0.8, "jitter");
        Rate(v2.Select(v => v.Grey), 0.2, "greyscale");
        Rate(v1.Select(v => v.Blur), 1.0, "view1 blur");
        Rate(v2.Select(v => v.Blur), 0.1, "view2 blur");
        Rate(v1.Select(v => v.Solarize), 0.0, "view1 solarize");
        Rate(v2.Select(v => v.Solarize), 0.2, "view2 solarize");
    }

    [Fact]
    public void Draw_Byol_JitterFactorsUniformInRange()
    {
        var (v1, _) = DrawMany(TwoViewPolicy.Byol);
        var j = v1.Where(v => v.Jitter).ToArray();
        void Uniform(Func<ViewParams, float> f, double lo, double hi, string what)
        {
            var xs = j.Select(f).ToArray();
            Assert.True(xs.All(x => x >= lo && x <= hi), $"{what} outside [{lo}, {hi}]");
            double mean = xs.Average(x => (double)x), sd = (hi - lo) / Math.Sqrt(12 * xs.Length);
            Assert.True(Math.Abs(mean - (lo + hi) / 2) < 4 * sd, $"{what}: mean {mean}");
            // Each quarter of the range holds about a quarter of the draws.
            for (int q = 0; q < 4; q++)
            {
                double a = lo + q * (hi - lo) / 4, b = a + (hi - lo) / 4;
                Rate(xs.Select(x => x >= a && x < b), 0.25, $"{what} quarter {q}");
            }
        }
        Uniform(v => v.Brightness, 0.6, 1.4, "brightness");
        Uniform(v => v.Contrast, 0.6, 1.4, "contrast");
        Uniform(v => v.Saturation, 0.8, 1.2, "saturation");
        Uniform(v => v.Hue, -0.1, 0.1, "hue");
        var orders = j.GroupBy(v => v.Order).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(24, orders.Count);
        foreach (var (order, count) in orders)
        {
            Assert.Equal(new[] { 0, 1, 2, 3 }, Enumerable.Range(0, 4).Select(k => (order >> (2 * k)) & 3).Order());
            Rate(Enumerable.Range(0, j.Length).Select(i => i < count), 1 / 24.0, $"order {order}");
        }
    }

    [Fact]
    public void Draw_Byol_BlurSigmaUniformInRange()
    {
        var (v1, _) = DrawMany(TwoViewPolicy.Byol);
        var s = v1.Select(v => (double)v.Sigma).ToArray();
        Assert.All(s, x => Assert.InRange(x, 0.1, 2.0));
        Assert.InRange(s.Average(), 1.05 - 4 * 1.9 / Math.Sqrt(12 * Draws), 1.05 + 4 * 1.9 / Math.Sqrt(12 * Draws));
    }

    [Theory]
    [InlineData(32)] [InlineData(96)]
    public void Draw_Byol_CropsInsideImageWithAreaAndAspectInBounds(int size)
    {
        var (v1, _) = DrawMany(TwoViewPolicy.Byol, size);
        double total = size * size;
        var area = new List<double>();
        foreach (var v in v1)
        {
            Assert.True(v.CropX >= 0 && v.CropY >= 0 && v.CropW >= 1 && v.CropH >= 1 && v.CropX + v.CropW <= size && v.CropY + v.CropH <= size, $"crop {v.CropX},{v.CropY} {v.CropW}x{v.CropH}");
            double a = v.CropW * v.CropH / total, aspect = (double)v.CropW / v.CropH;
            // Rounding w and h to whole pixels moves area and aspect a little outside the continuous bounds.
            double slack = 2.5 / size;
            Assert.InRange(a, 0.08 * (1 - slack) * (1 - slack), 1.0);
            Assert.InRange(aspect, 0.75 * (1 - slack) / (1 + slack), 4.0 / 3 * (1 + slack) / (1 - slack));
            area.Add(a);
        }
        // Area is uniform in [0.08, 1] and log-aspect uniform, but crops wider or taller than the image are redrawn:
        // the expected mean is that of the accepted region (a·max(r, 1/r) ≤ 1), integrated here on a grid (≈ 0.478).
        double sum = 0, count = 0;
        for (int i = 0; i < 400; i++)
            for (int j = 0; j < 400; j++)
            {
                double a = 0.08 + 0.92 * (i + 0.5) / 400, t = Math.Log(0.75) + (Math.Log(4.0 / 3) - Math.Log(0.75)) * (j + 0.5) / 400;
                if (a * Math.Exp(Math.Abs(t)) <= 1) { sum += a; count++; }
            }
        double expected = sum / count, tolerance = 0.65 / size + 4 * 0.26 / Math.Sqrt(Draws); // whole-pixel rounding, plus 4 standard errors
        Assert.InRange(area.Average(), expected - tolerance, expected + tolerance);
        // Crop positions are symmetric: centres left of the middle are as frequent as right of it.
        Rate(v1.Where(v => v.CropX * 2 + v.CropW != size).Select(v => v.CropX * 2 + v.CropW < size), 0.5, "crop centre left of middle");
    }
}
