using Nnclr.Data.Augment;

namespace Nnclr.Data.Tests.Augment;

public sealed class TwoViewAugmenterTests
{
    private static byte[] RandomImage(int h, int w, int seed)
    {
        var b = new byte[h * w * 3];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static TwoViewAugmenter Make(TwoViewPolicy p, int inSize = 32, int outSize = 32) =>
        new(p, inSize, inSize, outSize, Normalization.CifarMean, Normalization.CifarStd);

    [Theory]
    [InlineData(32, 32, 5, 7, 11, 9, false)]
    [InlineData(32, 32, 0, 0, 32, 32, true)]
    [InlineData(32, 32, 3, 1, 29, 17, true)]
    [InlineData(40, 24, 2, 4, 37, 30, false)] // downscaling 37 → 24 (no antialias, as torch's antialias=False)
    public void Render_CropAndFlipOnly_MatchesBilinearReference(int inSize, int outSize, int x, int y, int w, int h, bool flip)
    {
        var aug = Make(TwoViewPolicy.CropsOnly, inSize, outSize);
        var img = RandomImage(inSize, inSize, x + y);
        var s = aug.CreateScratch();
        var p = new ViewParams { CropX = x, CropY = y, CropW = w, CropH = h, Flip = flip, Brightness = 1, Contrast = 1, Saturation = 1 };
        aug.Render(img, p, 3, TwoViewPolicy.CropsOnly.View1, s);
        var expected = Reference.ResizedCrop(img, inSize, x, y, w, h, outSize, flip);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - s.Planar[i]) < 2e-6, $"element {i}: {expected[i]} vs {s.Planar[i]}");
    }

    [Fact]
    public void Render_AllOperations_MatchComposedScalarReferences()
    {
        var policy = TwoViewPolicy.Byol;
        var aug = Make(policy);
        var img = RandomImage(32, 32, 42);
        var s = aug.CreateScratch();
        // Order: hue, saturation, brightness, contrast.
        var p = new ViewParams
        {
            CropX = 4, CropY = 6, CropW = 20, CropH = 24, Flip = true, Jitter = true, Order = 3 | 2 << 2 | 0 << 4 | 1 << 6,
            Brightness = 1.2f, Contrast = 0.7f, Saturation = 1.1f, Hue = -0.07f, Grey = false, Blur = true, Sigma = 1.3f, Solarize = true,
        };
        aug.Render(img, p, 3, policy.View1, s);
        int n = 32 * 32;
        var d = Reference.ResizedCrop(img, 32, 4, 6, 20, 24, 32, true);
        d = Reference.Hue(d, n, -0.07f);
        d = Reference.Saturation(d, n, 1.1f);
        d = Reference.Brightness(d, 1.2f);
        d = Reference.Contrast(d, n, 0.7f);
        d = Reference.Blur(d, 32, 32, 3, 1.3f);
        d = Reference.Solarize(d, 128 / 255.0);
        int far = 0;
        for (int i = 0; i < d.Length; i++)
            if (Math.Abs(d[i] - s.Planar[i]) > 1e-4) far++;
        // Solarize is discontinuous at its threshold: allow a rare pixel sitting on it.
        Assert.True(far <= 2, $"{far} elements differ by more than 1e-4");
    }

    [Fact]
    public void Augment_ConstantImageCropsOnly_IsExactlyNormalised()
    {
        var aug = Make(TwoViewPolicy.CropsOnly);
        var img = Enumerable.Range(0, 32 * 32 * 3).Select(i => (byte)(i % 3 == 0 ? 200 : i % 3 == 1 ? 10 : 128)).ToArray();
        var v1 = new float[aug.ViewElements]; var v2 = new float[aug.ViewElements];
        aug.Augment(img, 1, 0, 5, v1, v2, aug.CreateScratch());
        float[] mean = Normalization.CifarMean, std = Normalization.CifarStd;
        byte[] rgb = [200, 10, 128];
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < 32 * 32; i++)
            {
                Assert.True(Math.Abs((rgb[c] / 255.0 - mean[c]) / std[c] - v1[c * 1024 + i]) < 1e-4);
                Assert.True(Math.Abs((rgb[c] / 255.0 - mean[c]) / std[c] - v2[c * 1024 + i]) < 1e-4);
            }
    }

    [Fact]
    public void Augment_SameKeyAnyThreadCount_GivesIdenticalViews()
    {
        var aug = Make(TwoViewPolicy.Byol);
        var images = Enumerable.Range(0, 64).Select(i => RandomImage(32, 32, i)).ToArray();
        float[][] Run(int threads)
        {
            var outs = new float[64][];
            var scratch = new ThreadLocal<AugmentScratch>(aug.CreateScratch);
            Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
            {
                var v = new float[2 * aug.ViewElements];
                aug.Augment(images[i], 77, 3, 1000 + i, v.AsSpan(0, aug.ViewElements), v.AsSpan(aug.ViewElements), scratch.Value!);
                outs[i] = v;
            });
            return outs;
        }
        var one = Run(1); var four = Run(4);
        for (int i = 0; i < 64; i++) Assert.Equal(one[i], four[i]);
        var (a, b) = (one[0].AsSpan(0, aug.ViewElements).ToArray(), one[0].AsSpan(aug.ViewElements).ToArray());
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Augment_DifferentEpochOrSeed_ChangesViews()
    {
        var aug = Make(TwoViewPolicy.Byol);
        var img = RandomImage(32, 32, 1);
        var s = aug.CreateScratch();
        float[] View(ulong seed, long epoch) { var v1 = new float[aug.ViewElements]; aug.Augment(img, seed, epoch, 9, v1, new float[aug.ViewElements], s); return v1; }
        Assert.Equal(View(1, 0), View(1, 0));
        Assert.NotEqual(View(1, 0), View(1, 1));
        Assert.NotEqual(View(1, 0), View(2, 0));
    }

    [Fact]
    public void Augment_Bf16_IsRoundedFp32()
    {
        var aug = Make(TwoViewPolicy.Byol);
        var img = RandomImage(32, 32, 3);
        var s = aug.CreateScratch();
        var f1 = new float[aug.ViewElements]; var f2 = new float[aug.ViewElements];
        var b1 = new ushort[aug.ViewElements]; var b2 = new ushort[aug.ViewElements];
        aug.Augment(img, 5, 2, 7, f1, f2, s);
        aug.Augment(img, 5, 2, 7, b1, b2, s);
        for (int i = 0; i < f1.Length; i++)
        {
            Assert.Equal(Reference.Bf16(f1[i]), b1[i]);
            Assert.Equal(Reference.Bf16(f2[i]), b2[i]);
        }
    }

    [Theory]
    [InlineData(false)] [InlineData(true)]
    public void Augment_WarmedUpBatch_AllocatesNothing(bool bf16)
    {
        var aug = Make(TwoViewPolicy.Byol);
        var images = RandomImage(32, 32 * 64, 8);
        var s = aug.CreateScratch();
        var slot = new float[2 * 64 * aug.ViewElements];
        var slot16 = new ushort[2 * 64 * aug.ViewElements];
        void Batch(long epoch)
        {
            for (int i = 0; i < 64; i++)
            {
                var img = images.AsSpan(i * 3072, 3072);
                if (bf16) aug.Augment(img, 1, epoch, i, slot16.AsSpan(i * aug.ViewElements, aug.ViewElements), slot16.AsSpan((64 + i) * aug.ViewElements, aug.ViewElements), s);
                else aug.Augment(img, 1, epoch, i, slot.AsSpan(i * aug.ViewElements, aug.ViewElements), slot.AsSpan((64 + i) * aug.ViewElements, aug.ViewElements), s);
            }
        }
        Batch(0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int e = 1; e <= 5; e++) Batch(e);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Constructor_BadPolicyOrSizes_NamesTheSetting()
    {
        var p = TwoViewPolicy.Byol;
        p.View2.SolarizeP = 1.5;
        Assert.Contains("view2.SolarizeP", Assert.Throws<ArgumentException>(() => Make(p)).Message);
        var q = TwoViewPolicy.Byol;
        q.View1.BlurKernelSize = 4;
        Assert.Contains("view1.BlurKernelSize", Assert.Throws<ArgumentException>(() => Make(q)).Message);
        Assert.Contains("crops-only", Assert.Throws<ArgumentException>(() => TwoViewPolicy.FromName("simclr")).Message);
    }

    [Fact]
    public void Presets_FromName_HaveThePaperSettings()
    {
        var byol = TwoViewPolicy.FromName("byol");
        Assert.Equal((1.0, 0.1, 0.0, 0.2), (byol.View1.BlurP, byol.View2.BlurP, byol.View1.SolarizeP, byol.View2.SolarizeP));
        Assert.Equal((0.4, 0.4, 0.2, 0.1, 0.8, 0.2), (byol.View1.Brightness, byol.View1.Contrast, byol.View1.Saturation, byol.View1.Hue, byol.View1.JitterP, byol.View1.GreyscaleP));
        Assert.Equal(0.0, TwoViewPolicy.FromName("cifar").View1.BlurP);
        Assert.Equal(0.0, TwoViewPolicy.FromName("crops-only").View2.JitterP);
        Assert.Equal((3, 7, 9, 23), (byol.View1.KernelSizeFor(32), byol.View1.KernelSizeFor(64), byol.View1.KernelSizeFor(96), byol.View1.KernelSizeFor(224)));
    }

    [Theory]
    [InlineData(32, 32)] [InlineData(48, 40)] [InlineData(30, 50)]
    public void Preprocess_AnySize_MatchesResizeCentreCropReference(int h, int w)
    {
        var img = RandomImage(h, w, h * w);
        var chw = new float[3 * 32 * 32];
        Preprocess.ToNormalizedChw(img, h, w, 32, Normalization.ImageNetMean, Normalization.ImageNetStd, chw);
        // Reference: resize shorter side to 32 (torchvision's ⌊32·long/short⌋), centre crop, as one crop of the resized image.
        int newH = h <= w ? 32 : 32 * h / w, newW = h <= w ? 32 * w / h : 32;
        int top = (int)Math.Round((newH - 32) / 2.0), left = (int)Math.Round((newW - 32) / 2.0);
        float[] mean = Normalization.ImageNetMean, std = Normalization.ImageNetStd;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                {
                    double sy = Math.Max(0, (y + top + 0.5) * h / newH - 0.5), sx = Math.Max(0, (x + left + 0.5) * w / newW - 0.5);
                    int y0 = Math.Min((int)sy, h - 1), x0 = Math.Min((int)sx, w - 1), y1 = Math.Min(y0 + 1, h - 1), x1 = Math.Min(x0 + 1, w - 1);
                    double ly = sy - y0, lx = sx - x0;
                    double P(int yy, int xx) => img[(yy * w + xx) * 3 + c] / 255.0;
                    double v = (1 - ly) * ((1 - lx) * P(y0, x0) + lx * P(y0, x1)) + ly * ((1 - lx) * P(y1, x0) + lx * P(y1, x1));
                    Assert.True(Math.Abs((v - mean[c]) / std[c] - chw[c * 1024 + y * 32 + x]) < 1e-4, $"{c},{y},{x}");
                }
    }
}
