using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;
using SkiaSharp;

namespace Nnclr.Data.Tests.Ingest;

/// <summary>Issue #17 points 2–3: symlink loops, runaway folders and decompression bombs stay bounded and reported.</summary>
public sealed class HostileFolderTests
{
    private static void SavePng(string path, int w, int h, byte shade)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bmp.Erase(new SKColor(shade, (byte)(255 - shade), 40));
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 95);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>A valid-looking RGB PNG whose IHDR declares w×h but whose IDAT holds a single zlib-compressed row: a few hundred bytes.</summary>
    private static void WriteBombPng(string path, int w, int h)
    {
        static void Chunk(Stream s, string type, byte[] data)
        {
            var len = new byte[4]; BinaryPrimitives.WriteInt32BigEndian(len, data.Length); s.Write(len);
            var body = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            s.Write(body);
            uint crc = 0xFFFFFFFF;
            foreach (var b in body) { crc ^= b; for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1; }
            var c = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(c, ~crc); s.Write(c);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var f = File.Create(path);
        f.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8; ihdr[9] = 2;
        Chunk(f, "IHDR", ihdr);
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) zs.Write(new byte[1 + 3 * 64]);
        Chunk(f, "IDAT", z.ToArray());
        Chunk(f, "IEND", []);
    }

    private static long StatusKb(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal)) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return 0;
    }

    private static JsonElement Report(string outDir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, FolderIngest.ReportFile))).RootElement;

    [Fact]
    public void Run_SelfAndParentDirectorySymlinks_AreNotFollowedAndEachFileCountsOnce()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        for (int i = 0; i < 3; i++) SavePng(Path.Combine(root, "a", $"{i}.png"), 12, 12, (byte)(i * 40));
        for (int i = 0; i < 2; i++) SavePng(Path.Combine(root, "b", "deep", $"{i}.png"), 12, 12, (byte)(i * 90));
        Directory.CreateSymbolicLink(Path.Combine(root, "a", "loop"), root);                   // a/loop → the input itself
        Directory.CreateSymbolicLink(Path.Combine(root, "b", "deep", "up"), Path.Combine(root, "b")); // a second cycle
        Directory.CreateSymbolicLink(Path.Combine(root, "c"), Path.Combine(root, "a"));        // a class folder that is a link
        var report = FolderIngest.Run(root, tmp.Sub("out"), 8, strict: false);
        Assert.Equal(5, report.Written["train"]);
        Assert.Equal(3, report.Skipped.Count(s => s.Reason.StartsWith("directory symlink not followed", StringComparison.Ordinal)));
        using var ds = ShardDataset.Open(tmp.Sub("out"), "train");
        Assert.Equal(new[] { "a", "b" }, ds.Classes);
        Assert.Contains("loop", Report(tmp.Sub("out")).GetProperty("skipped").ToString());
        var unlabelled = FolderIngest.Run(root, tmp.Sub("flat"), new FolderIngestOptions { Size = 8, Unlabelled = true });
        Assert.Equal(5, unlabelled.Written["train"]);
    }

    [Fact]
    public void Run_PngDeclaring60000x60000_IsSkippedFromItsHeaderWithoutAllocating()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        SavePng(Path.Combine(root, "ok", "fine.png"), 16, 16, 30);
        WriteBombPng(Path.Combine(root, "ok", "bomb.png"), 60_000, 60_000);
        Assert.True(new FileInfo(Path.Combine(root, "ok", "bomb.png")).Length < 1_000);
        long rssBefore = StatusKb("VmRSS");
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { } // resets VmHWM to the current RSS
        var report = FolderIngest.Run(root, tmp.Sub("out"), new FolderIngestOptions { Size = 8, MaxParallelism = 2 });
        long peakGrowthMb = (StatusKb("VmHWM") - rssBefore) / 1024;
        var bomb = Assert.Single(report.Skipped);
        Assert.EndsWith("bomb.png", bomb.Path, StringComparison.Ordinal);
        Assert.Contains("60000x60000 = 3600.0 megapixels", bomb.Reason);
        Assert.Equal(1, report.Written["train"]);
        // Decoding it would need 60000·60000·4 bytes = 14.4 GB; the limit of 64 MP per thread bounds the ingest to 2 × 256 MB.
        Assert.True(peakGrowthMb < 512, $"peak RSS grew by {peakGrowthMb} MB");
        var strict = Assert.Throws<IngestException>(() => FolderIngest.Run(root, tmp.Sub("strict"), new FolderIngestOptions { Size = 8, Strict = true }));
        Assert.Contains("bomb.png", strict.Message);
        Assert.False(Report(tmp.Sub("strict")).GetProperty("complete").GetBoolean());
        var lowered = Assert.Throws<IngestException>(() => FolderIngest.Run(root, tmp.Sub("low"), new FolderIngestOptions { Size = 8, MaxMegapixels = 0.0001 })); // 100 pixels: fine.png (256) is over too
        Assert.Contains(lowered.Skipped, s => s.Path.EndsWith("fine.png", StringComparison.Ordinal) && s.Reason.Contains("limit of 0.0001", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_MoreEntriesThanTheLimit_FailsAndStillWritesTheReport()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        for (int i = 0; i < 6; i++) SavePng(Path.Combine(root, "x", $"{i}.png"), 8, 8, 10);
        File.WriteAllText(Path.Combine(root, "x", "readme.txt"), "not an image");
        var e = Assert.Throws<IngestException>(() => FolderIngest.Run(root, tmp.Sub("out"), new FolderIngestOptions { Size = 8, MaxEntries = 4 }));
        Assert.Contains("more than 4 entries", e.Message);
        var report = Report(tmp.Sub("out"));
        Assert.False(report.GetProperty("complete").GetBoolean());
        Assert.Contains("more than 4 entries", report.GetProperty("error").GetString());
        Assert.False(File.Exists(Path.Combine(tmp.Sub("out"), "manifest.json")));
    }

    [Fact]
    public void Run_UnlabelledNestedFolder_IngestsEveryImageAtAnyDepth()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        SavePng(Path.Combine(root, "top.png"), 10, 10, 1);
        SavePng(Path.Combine(root, "x", "one.png"), 10, 10, 2);
        SavePng(Path.Combine(root, "x", "y", "z", "three.png"), 10, 10, 3);
        var report = FolderIngest.Run(root, tmp.Sub("out"), new FolderIngestOptions { Size = 8, Unlabelled = true });
        Assert.Equal(3, report.Written["train"]);
        using var ds = ShardDataset.Open(tmp.Sub("out"), "train");
        Assert.False(ds.Manifest.Labelled);
        Assert.Equal(new[] { FolderIngest.UnlabelledClass }, ds.Classes);
        var tooDeep = FolderIngest.Run(root, tmp.Sub("shallow"), new FolderIngestOptions { Size = 8, Unlabelled = true, MaxDepth = 1 });
        Assert.Equal(2, tooDeep.Written["train"]);
        Assert.Contains(tooDeep.Skipped, s => s.Reason.Contains("deeper than 1", StringComparison.Ordinal));
    }
}
