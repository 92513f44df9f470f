using Nnclr.Data.Augment;

namespace Nnclr.Data.Tests.Augment;

public sealed class ColorOpsTests
{
    // 37 × 29 pixels: not a multiple of any vector width, so scalar tails run too.
    private const int N = 37 * 29;

    private static (float[] F, double[] D) RandomImage(int seed)
    {
        var rng = new Random(seed);
        var f = new float[3 * N];
        for (int i = 0; i < f.Length; i++)
            f[i] = i % 17 == 0 ? 0f : i % 19 == 0 ? 1f : (float)rng.NextDouble();
        // Some grey pixels and exact ties between channels, where HSV's branches meet.
        for (int i = 0; i < N; i += 23) f[N + i] = f[2 * N + i] = f[i];
        for (int i = 5; i < N; i += 31) f[N + i] = f[i];
        return (f, f.Select(x => (double)x).ToArray());
    }

    private static void Near(double[] expected, float[] actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (Math.Abs(expected[i] - actual[i]) > tol) Assert.Fail($"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Theory]
    [InlineData(0.6)] [InlineData(1.0)] [InlineData(1.4)]
    public void Brightness_Factors_MatchScalarReference(double f)
    {
        var (img, d) = RandomImage(1);
        ColorOps.Brightness(img, (float)f);
        Near(Reference.Brightness(d, f), img, 1e-6);
    }

    [Theory]
    [InlineData(0.6)] [InlineData(1.37)]
    public void Contrast_Factors_MatchScalarReference(double f)
    {
        var (img, d) = RandomImage(2);
        ColorOps.Contrast(img, N, (float)f);
        Near(Reference.Contrast(d, N, f), img, 2e-6);
    }

    [Theory]
    [InlineData(0.8)] [InlineData(1.2)] [InlineData(0.0)]
    public void Saturation_Factors_MatchScalarReference(double f)
    {
        var (img, d) = RandomImage(3);
        ColorOps.Saturation(img, N, (float)f);
        Near(Reference.Saturation(d, N, f), img, 2e-6);
    }

    [Theory]
    [InlineData(0.1)] [InlineData(-0.1)] [InlineData(0.05)] [InlineData(0.5)] [InlineData(0.0)]
    public void Hue_Shifts_MatchTorchvisionHsvReference(double shift)
    {
        var (img, d) = RandomImage(4);
        ColorOps.Hue(img, N, (float)shift);
        Near(Reference.Hue(d, N, (float)shift), img, 2e-5);
    }

    [Fact]
    public void Greyscale_Image_MatchesWeightedSum()
    {
        var (img, d) = RandomImage(5);
        ColorOps.Greyscale(img, N);
        Near(Reference.Greyscale(d, N), img, 1e-6);
    }

    [Fact]
    public void Solarize_At128_InvertsValuesAtOrAboveThreshold()
    {
        var (img, d) = RandomImage(6);
        img[7] = 128f / 255f; d[7] = img[7];
        ColorOps.Solarize(img, 128f / 255f);
        Near(Reference.Solarize(d, 128f / 255f), img, 1e-7);
        Assert.Equal(1 - 128f / 255f, img[7], 6);
    }

    [Theory]
    [InlineData(32, 32, 3, 0.7)] [InlineData(13, 21, 3, 2.0)] [InlineData(32, 32, 9, 1.3)] [InlineData(20, 40, 7, 0.1)]
    public void GaussianBlur_Sizes_MatchReflectPadded2dConvolution(int h, int w, int k, double sigma)
    {
        var rng = new Random(h * w + k);
        var img = Enumerable.Range(0, 3 * h * w).Select(_ => (float)rng.NextDouble()).ToArray();
        var expected = Reference.Blur(img.Select(x => (double)x).ToArray(), h, w, k, sigma);
        var kernel = new float[k];
        GaussianBlur.Kernel(kernel, sigma);
        GaussianBlur.Apply(img, h, w, kernel, new float[3 * h * w]);
        Near(expected, img, 2e-6);
    }

    [Theory]
    [InlineData(0.1)] [InlineData(0.5)] [InlineData(1.0)] [InlineData(2.0)]
    public void GaussianBlur_SignificantTaps_MatchFull23TapKernel(double sigma)
    {
        // The 224-px views' kernel (0.1·S = 23 taps) without its sub-ULP tails gives torchvision's full-kernel result.
        const int h = 40, w = 48, k = 23;
        var rng = new Random(k + (int)(sigma * 10));
        var img = Enumerable.Range(0, 3 * h * w).Select(_ => (float)rng.NextDouble()).ToArray();
        var expected = Reference.Blur(img.Select(x => (double)x).ToArray(), h, w, k, sigma);
        var kernel = new float[k];
        GaussianBlur.Kernel(kernel, sigma);
        var taps = GaussianBlur.Significant(kernel);
        Assert.Equal(1, taps.Length % 2);
        Assert.True(taps.Length < k, $"σ {sigma}: {taps.Length} taps, none trimmed");
        GaussianBlur.Apply(img, h, w, taps, new float[3 * h * w]);
        Near(expected, img, 2e-6);
    }

    [Fact]
    public void Bf16_RandomAndTieValues_RoundToNearestEven()
    {
        var rng = new Random(9);
        var values = Enumerable.Range(0, 5000).Select(_ => (float)((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-20, 20)))).ToList();
        values.AddRange([1.00390625f, 1.01171875f, -1.00390625f, 0f, -0f, 2.5f]); // exact ties between bf16 neighbours
        var planar = values.Take(3 * 1000).ToArray();
        var dst = new ushort[planar.Length];
        OutputWriter.Bf16(planar, 1000, [1f, 1f, 1f], [0f, 0f, 0f], dst);
        for (int i = 0; i < planar.Length; i++) Assert.Equal(Reference.Bf16(planar[i]), dst[i]);
        foreach (var v in values) Assert.Equal(Reference.Bf16(v), OutputWriter.ToBf16(v));
        Assert.Equal(0x3F80, OutputWriter.ToBf16(1.00390625f)); // tie → even (down)
        Assert.Equal(0x3F82, OutputWriter.ToBf16(1.01171875f)); // tie → even (up)
    }
}
