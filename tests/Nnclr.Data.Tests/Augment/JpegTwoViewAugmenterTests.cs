using Nnclr.Data.Augment;
using SkiaSharp;

namespace Nnclr.Data.Tests.Augment;

/// <summary>Issue #11 point 4: decode once per sample, crops on the full image, greyscale → RGB, no pixel-size allocation per image.</summary>
public sealed class JpegTwoViewAugmenterTests
{
    private static byte[] Jpeg(int w, int h, SKColorType type, Action<SKBitmap> paint)
    {
        using var bmp = new SKBitmap(new SKImageInfo(w, h, type, type == SKColorType.Gray8 ? SKAlphaType.Opaque : SKAlphaType.Unpremul));
        paint(bmp);
        using var data = bmp.Encode(SKEncodedImageFormat.Jpeg, 95);
        return data.ToArray();
    }

    private static readonly float[] Zero = [0, 0, 0], One = [1, 1, 1];

    /// <summary>The folder of real ImageNet photos beside the repository, found by walking up from the test assembly.</summary>
    private static string ImagenetSample()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared", "data", "imagenet-sample-500");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("shared/data/imagenet-sample-500 not found above the test assembly");
    }

    [Fact]
    public void Augment_GreyscaleJpeg_GivesThreeEqualRgbPlanes()
    {
        var grey = Jpeg(120, 90, SKColorType.Gray8, b => { for (int y = 0; y < 90; y++) for (int x = 0; x < 120; x++) b.SetPixel(x, y, new SKColor((byte)(x * 2), (byte)(x * 2), (byte)(x * 2))); });
        var aug = new JpegTwoViewAugmenter(TwoViewPolicy.CropsOnly, 256, 32, Zero, One);
        var s = aug.CreateScratch();
        var v1 = new float[aug.ViewElements]; var v2 = new float[aug.ViewElements];
        aug.Augment(grey, 1, 0, 7, v1, v2, s);
        int plane = 32 * 32;
        for (int i = 0; i < plane; i++)
        {
            Assert.Equal(v1[i], v1[plane + i], 3);
            Assert.Equal(v1[i], v1[2 * plane + i], 3);
        }
        Assert.Contains(v1, v => v > 0.05f);
    }

    [Fact]
    public void Augment_WideImage_CropsReachTheWholeImageNotOnlyItsCentre()
    {
        // 400×100: left 100 columns red, the rest blue. A centre square crop (the old ingest) never sees red.
        var wide = Jpeg(400, 100, SKColorType.Rgba8888, b => { for (int y = 0; y < 100; y++) for (int x = 0; x < 400; x++) b.SetPixel(x, y, x < 100 ? new SKColor(255, 0, 0) : new SKColor(0, 0, 255)); });
        var aug = new JpegTwoViewAugmenter(TwoViewPolicy.CropsOnly, 512, 32, Zero, One);
        var s = aug.CreateScratch();
        var v1 = new float[aug.ViewElements]; var v2 = new float[aug.ViewElements];
        int sawRed = 0;
        for (int key = 0; key < 40; key++)
        {
            aug.Augment(wide, 3, 0, key, v1, v2, s);
            if (v1[16 * 32 + 16] > 0.8f || v2[16 * 32 + 16] > 0.8f) sawRed++;
        }
        Assert.InRange(sawRed, 3, 60);
        var again1 = new float[aug.ViewElements]; var again2 = new float[aug.ViewElements];
        aug.Augment(wide, 3, 0, 39, again1, again2, s);
        Assert.Equal(v1, again1);
        Assert.Equal(v2, again2);
    }

    [Fact]
    public void Augment_RealPhotos_TurboJpegAndSkiaSharpGiveIdenticalViews()
    {
        // The system's libjpeg-turbo (when installed) must give the very views SkiaSharp's decoder gives, at every DCT
        // scale the crops pick, so a dataset trains the same with or without it.
        var aug = new JpegTwoViewAugmenter(TwoViewPolicy.Byol, 2048, 96, Normalization.ImageNetMean, Normalization.ImageNetStd);
        if (!TurboJpeg.Available)
        {
            Assert.False(aug.UseTurboJpeg);
            Assert.StartsWith("SkiaSharp", aug.Decoder);
            return;
        }
        var files = Directory.EnumerateFiles(ImagenetSample()).Order(StringComparer.Ordinal).Take(60).Select(File.ReadAllBytes).ToArray();
        foreach (int size in new[] { 64, 224 })
        {
            aug = new JpegTwoViewAugmenter(TwoViewPolicy.Byol, 2048, size, Normalization.ImageNetMean, Normalization.ImageNetStd);
            var s = aug.CreateScratch();
            var (t1, t2, k1, k2) = (new float[aug.ViewElements], new float[aug.ViewElements], new float[aug.ViewElements], new float[aug.ViewElements]);
            for (int i = 0; i < files.Length; i++)
            {
                aug.UseTurboJpeg = true;
                aug.Augment(files[i], 5, 0, i, t1, t2, s);
                aug.UseTurboJpeg = false;
                aug.Augment(files[i], 5, 0, i, k1, k2, s);
                Assert.Equal(k1, t1);
                Assert.Equal(k2, t2);
            }
        }
    }

    [Fact]
    public void Augment_RealPhotosAt96And224_AllocatesNothingOfPixelSizePerImage()
    {
        var files = Directory.EnumerateFiles(ImagenetSample()).Order(StringComparer.Ordinal).Take(24).Select(File.ReadAllBytes).ToArray();
        foreach (int size in new[] { 96, 224 })
        {
            var aug = new JpegTwoViewAugmenter(TwoViewPolicy.Byol, 2048, size, Normalization.ImageNetMean, Normalization.ImageNetStd);
            var s = aug.CreateScratch();
            var v1 = new float[aug.ViewElements]; var v2 = new float[aug.ViewElements];
            for (int i = 0; i < files.Length; i++) aug.Augment(files[i], 1, 0, i, v1, v2, s); // warm-up (JIT, Skia)
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < files.Length; i++) aug.Augment(files[i], 1, 1, i, v1, v2, s);
            long perImage = (GC.GetAllocatedBytesForCurrentThread() - before) / files.Length;
            // Only SkiaSharp's small handle wrappers (SKData, SKCodec): far below one 32×32 view, let alone a decoded image.
            Assert.True(perImage < 1024, $"{perImage} bytes allocated per image at {size} px");
            Assert.All(v1, v => Assert.True(float.IsFinite(v)));
        }
    }

    [Fact]
    public void Augment_ImageOverTheBufferLimitEvenAtOneEighth_NamesIt()
    {
        var big = Jpeg(1200, 300, SKColorType.Rgba8888, b => b.Erase(new SKColor(1, 2, 3)));
        var aug = new JpegTwoViewAugmenter(TwoViewPolicy.CropsOnly, 100, 32, Zero, One);
        var e = Assert.Throws<InvalidDataException>(() => aug.Augment(big, 1, 0, 0, new float[aug.ViewElements], new float[aug.ViewElements], aug.CreateScratch(), "photo.jpg"));
        Assert.Contains("photo.jpg", e.Message);
        Assert.Throws<InvalidDataException>(() => aug.Augment(new byte[300], 1, 0, 0, new float[aug.ViewElements], new float[aug.ViewElements], aug.CreateScratch(), "zeros.jpg"));
    }
}
