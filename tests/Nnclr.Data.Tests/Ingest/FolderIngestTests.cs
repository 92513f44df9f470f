using System.IO.Compression;
using System.Text.Json;
using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;
using SkiaSharp;

namespace Nnclr.Data.Tests.Ingest;

public sealed class FolderIngestTests
{
    private static void Save(SKBitmap bmp, string path, SKEncodedImageFormat format)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var data = bmp.Encode(format, 95);
        File.WriteAllBytes(path, data.ToArray());
    }

    private static SKBitmap Solid(int w, int h, SKColorType type, SKColor color)
    {
        var bmp = new SKBitmap(new SKImageInfo(w, h, type, type == SKColorType.Gray8 ? SKAlphaType.Opaque : SKAlphaType.Unpremul));
        bmp.Erase(color);
        return bmp;
    }

    /// <summary>A palette PNG (colour type 3) with a tRNS chunk, written by hand: Skia cannot encode one.</summary>
    private static void WritePalettePng(string path, int size, (byte R, byte G, byte B)[] palette, Func<int, int, byte> index)
    {
        static void Chunk(Stream s, string type, byte[] data)
        {
            var len = new byte[4]; System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(len, data.Length); s.Write(len);
            var body = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            s.Write(body);
            uint crc = 0xFFFFFFFF;
            foreach (var b in body) { crc ^= b; for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1; }
            var c = new byte[4]; System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(c, ~crc); s.Write(c);
        }
        using var f = File.Create(path);
        f.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, size);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), size);
        ihdr[8] = 8; ihdr[9] = 3;
        Chunk(f, "IHDR", ihdr);
        Chunk(f, "PLTE", palette.SelectMany(p => new[] { p.R, p.G, p.B }).ToArray());
        Chunk(f, "tRNS", palette.Select((_, i) => (byte)(i == 0 ? 255 : 90)).ToArray());
        var raw = new MemoryStream();
        for (int y = 0; y < size; y++) { raw.WriteByte(0); for (int x = 0; x < size; x++) raw.WriteByte(index(x, y)); }
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) raw.WriteTo(zs);
        Chunk(f, "IDAT", z.ToArray());
        Chunk(f, "IEND", []);
    }

    /// <summary>Classes a, b, c with RGB JPEG, greyscale PNG, alpha PNG, palette PNG; optionally a broken JPEG and a text file.</summary>
    private static string MakeFolder(TempDir tmp, bool broken)
    {
        var root = tmp.Sub("in");
        using (var red = Solid(40, 40, SKColorType.Rgba8888, new SKColor(255, 0, 0))) Save(red, Path.Combine(root, "a", "red.png"), SKEncodedImageFormat.Png);
        using (var blue = Solid(50, 36, SKColorType.Rgba8888, new SKColor(0, 0, 255))) Save(blue, Path.Combine(root, "a", "blue.jpg"), SKEncodedImageFormat.Jpeg);
        using (var grey = Solid(20, 28, SKColorType.Gray8, new SKColor(90, 90, 90))) Save(grey, Path.Combine(root, "b", "grey.png"), SKEncodedImageFormat.Png);
        using (var alpha = Solid(24, 24, SKColorType.Rgba8888, new SKColor(10, 200, 30, 64))) Save(alpha, Path.Combine(root, "b", "alpha.png"), SKEncodedImageFormat.Png);
        Directory.CreateDirectory(Path.Combine(root, "c"));
        WritePalettePng(Path.Combine(root, "c", "palette.png"), 16, [(250, 240, 0), (0, 128, 128)], (x, y) => 0);
        using (var g = Solid(32, 32, SKColorType.Rgba8888, new SKColor(0, 255, 0))) Save(g, Path.Combine(root, "c", "green.jpeg"), SKEncodedImageFormat.Jpeg);
        if (broken)
        {
            var good = File.ReadAllBytes(Path.Combine(root, "a", "blue.jpg"));
            File.WriteAllBytes(Path.Combine(root, "b", "broken.jpg"), good[..(good.Length / 3)]);
            File.WriteAllBytes(Path.Combine(root, "c", "garbage.jpg"), Enumerable.Range(0, 500).Select(i => (byte)(i * 7)).ToArray());
            File.WriteAllText(Path.Combine(root, "c", "notes.txt"), "not an image");
        }
        return root;
    }

    private static byte[] Pixel(ShardDataset ds, int record, int x, int y)
    {
        var img = new byte[ds.ImageBytes];
        ds.ReadRecord(record, img);
        return img.AsSpan((y * ds.Width + x) * 3, 3).ToArray();
    }

    private static void Near(byte[] expected, byte[] actual, int tol)
    {
        for (int c = 0; c < 3; c++) Assert.True(Math.Abs(expected[c] - actual[c]) <= tol, $"expected ({string.Join(",", expected)}), got ({string.Join(",", actual)})");
    }

    [Fact]
    public void Run_MixedFormats_DecodesEveryKindToRgb()
    {
        using var tmp = new TempDir();
        var report = FolderIngest.Run(MakeFolder(tmp, broken: false), tmp.Sub("out"), new FolderIngestOptions { Size = 16, Strict = true, ShuffleSeed = null });
        Assert.Empty(report.Skipped);
        using var ds = ShardDataset.Open(tmp.Sub("out"), "train");
        Assert.Equal(new[] { "a", "b", "c" }, ds.Classes);
        Assert.Equal(6, ds.Count);
        Assert.Equal((16, 16), (ds.Height, ds.Width));
        // Order: a/blue.jpg, a/red.png, b/alpha.png, b/grey.png, c/green.jpeg, c/palette.png.
        var labels = Enumerable.Range(0, 6).Select(i => ds.ReadRecord(i, new byte[ds.ImageBytes])).ToArray();
        Assert.Equal(new[] { 0, 0, 1, 1, 2, 2 }, labels);
        Near([0, 0, 255], Pixel(ds, 0, 8, 8), 6);
        Near([255, 0, 0], Pixel(ds, 1, 3, 12), 0);
        Near([10, 200, 30], Pixel(ds, 2, 0, 0), 2);   // alpha dropped, colour kept
        Near([90, 90, 90], Pixel(ds, 3, 15, 15), 0);  // greyscale expanded
        Near([0, 255, 0], Pixel(ds, 4, 5, 5), 6);
        Near([250, 240, 0], Pixel(ds, 5, 7, 9), 0);   // palette looked up
    }

    [Fact]
    public void Run_BrokenFiles_ListsThemInReportAndKeepsTheRest()
    {
        using var tmp = new TempDir();
        var report = FolderIngest.Run(MakeFolder(tmp, broken: true), tmp.Sub("out"), 16, strict: false);
        var names = report.Skipped.Select(s => Path.GetFileName(s.Path)).Order().ToArray();
        Assert.Equal(new[] { "broken.jpg", "garbage.jpg", "notes.txt" }, names);
        Assert.Equal(6, report.Written["train"]);
        var json = JsonDocument.Parse(File.ReadAllText(report.ReportPath!)).RootElement;
        Assert.Equal(3, json.GetProperty("skippedCount").GetInt32());
        Assert.Contains("broken.jpg", json.GetProperty("skipped").ToString());
        using var ds = ShardDataset.Open(tmp.Sub("out"), "train");
        Assert.Equal(6, ds.Count);
    }

    [Fact]
    public void Run_StrictWithBrokenJpeg_FailsNamingItAndLeavesNoDataset()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<IngestException>(() => FolderIngest.Run(MakeFolder(tmp, broken: true), tmp.Sub("out"), 16, strict: true));
        Assert.Contains(e.Skipped, s => s.Path.EndsWith("broken.jpg", StringComparison.Ordinal));
        Assert.Contains("--strict", e.Message);
        Assert.False(File.Exists(Path.Combine(tmp.Sub("out"), "manifest.json")));
        Assert.Empty(Directory.GetFiles(tmp.Sub("out"), "*.shard*"));
        Assert.Contains("broken.jpg", File.ReadAllText(Path.Combine(tmp.Sub("out"), FolderIngest.ReportFile)));
        Assert.Throws<ShardFormatException>(() => ShardDataset.Open(tmp.Sub("out"), "train"));
    }

    [Fact]
    public void Run_OneOrThreeThreads_WritesIdenticalBytes()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        var rng = new Random(3);
        for (int i = 0; i < 40; i++)
        {
            using var bmp = new SKBitmap(new SKImageInfo(30 + i, 25 + i % 7, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            var px = new byte[bmp.ByteCount]; rng.NextBytes(px);
            System.Runtime.InteropServices.Marshal.Copy(px, 0, bmp.GetPixels(), px.Length);
            Save(bmp, Path.Combine(root, $"k{i % 3}", $"img{i:D2}.{(i % 2 == 0 ? "png" : "jpg")}"), i % 2 == 0 ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg);
        }
        FolderIngest.Run(root, tmp.Sub("one"), 24, strict: true, null, maxParallelism: 1);
        FolderIngest.Run(root, tmp.Sub("three"), 24, strict: true, null, maxParallelism: 3);
        Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.Sub("one"), "train-00000.shard")), File.ReadAllBytes(Path.Combine(tmp.Sub("three"), "train-00000.shard")));
    }

    [Fact]
    public void Run_WideImage_ResizesShorterSideAndCropsCentre()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        // 80×40: left quarter red, middle half green, right quarter blue. At size 20 → 40×20, centre 20 columns are green.
        using (var bmp = new SKBitmap(new SKImageInfo(80, 40, SKColorType.Rgba8888, SKAlphaType.Unpremul)))
        {
            for (int y = 0; y < 40; y++)
                for (int x = 0; x < 80; x++)
                    bmp.SetPixel(x, y, x < 20 ? new SKColor(255, 0, 0) : x < 60 ? new SKColor(0, 255, 0) : new SKColor(0, 0, 255));
            Save(bmp, Path.Combine(root, "only", "wide.png"), SKEncodedImageFormat.Png);
        }
        FolderIngest.Run(root, tmp.Sub("out"), 20, strict: true);
        using var ds = ShardDataset.Open(tmp.Sub("out"), "train");
        Near([0, 255, 0], Pixel(ds, 0, 1, 10), 40);
        Near([0, 255, 0], Pixel(ds, 0, 18, 10), 40);
    }

    [Fact]
    public void Run_TrainAndTestFolders_BecomeTwoSplits()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        foreach (var (split, n) in new[] { ("train", 3), ("val", 2) })
            for (int i = 0; i < n; i++)
                using (var bmp = Solid(10, 10, SKColorType.Rgba8888, new SKColor((byte)(i * 50), 0, 0)))
                    Save(bmp, Path.Combine(root, split, i % 2 == 0 ? "x" : "y", $"{i}.png"), SKEncodedImageFormat.Png);
        var report = FolderIngest.Run(root, tmp.Sub("out"), 8, strict: true);
        Assert.Equal(3, report.Written["train"]);
        Assert.Equal(2, report.Written["test"]);
    }
}
