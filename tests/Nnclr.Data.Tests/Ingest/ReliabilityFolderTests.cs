using System.Diagnostics;
using System.Text.Json;
using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;
using SkiaSharp;

namespace Nnclr.Data.Tests.Ingest;

/// <summary>
/// Issue 26 cases 7, 8, 12, 13 (folder side): thin images, FIFOs, line breaks and undecodable names are skipped at
/// discovery or decode with a reason naming the file, the ingest goes on, and ingest-report.json lists them.
/// </summary>
public sealed class ReliabilityFolderTests
{
    private static void SavePng(string path, int w, int h)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bmp.Erase(new SKColor(120, 60, 200));
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 95);
        File.WriteAllBytes(path, data.ToArray());
    }

    private static Dictionary<string, string> Skipped(string outDir) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, FolderIngest.ReportFile))).RootElement.GetProperty("skipped")
            .EnumerateArray().ToDictionary(e => Path.GetFileName(e.GetProperty("path").GetString()!), e => e.GetProperty("reason").GetString()!);

    private static void Shell(string command)
    {
        using var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command]))!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    [Fact]
    public void RawIngest_ThinImages_SkippedByResizedSizeWithReasonAndReport()
    {
        using var tmp = new TempDir();
        var input = tmp.Sub("in");
        SavePng(Path.Combine(input, "ok.png"), 40, 30);
        SavePng(Path.Combine(input, "strip.png"), 1, 5000);   // 224 × 1.1 M pixels once resized
        SavePng(Path.Combine(input, "wide.png"), 60000, 1);   // Skia could not allocate the resized bitmap
        long before = GC.GetAllocatedBytesForCurrentThread();
        var report = FolderIngest.Run(input, tmp.Sub("out"), new FolderIngestOptions { Size = 224, Unlabelled = true, MaxParallelism = 1 });
        Assert.Equal(1, report.Written["train"]);
        var skipped = Skipped(tmp.Sub("out"));
        Assert.Contains("aspect ratio too extreme", skipped["strip.png"], StringComparison.Ordinal);
        Assert.Contains("aspect ratio too extreme", skipped["wide.png"], StringComparison.Ordinal);
        Assert.True(File.Exists(ManifestFile.PathIn(tmp.Sub("out"))));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 256L << 20);
    }

    [Fact]
    public void Fifo_InIngestAndEmbedFolders_SkippedWithoutOpening()
    {
        using var tmp = new TempDir();
        var input = tmp.Sub("in");
        SavePng(Path.Combine(input, "ok.png"), 16, 16);
        Shell($"mkfifo '{Path.Combine(input, "x.jpg")}'");
        // Were the FIFO opened, open() would block this test forever: there is no writer.
        FolderIngest.Run(input, tmp.Sub("out"), new FolderIngestOptions { Size = 8, Unlabelled = true });
        Assert.Equal("not a regular file (a FIFO)", Skipped(tmp.Sub("out"))["x.jpg"]);
        var listed = new List<SkippedFile>();
        var files = ImageFolder.List(input, listed);   // what embed --images reads
        Assert.Equal([Path.Combine(input, "ok.png")], files);
        Assert.Contains(listed, s => s.Path.EndsWith("x.jpg", StringComparison.Ordinal) && s.Reason.Contains("FIFO", StringComparison.Ordinal));
    }

    [Fact]
    public void CancelBeforeTheEnd_LastChunk_NoManifest()
    {
        using var tmp = new TempDir();
        var input = tmp.Sub("in");
        SavePng(Path.Combine(input, "a.png"), 16, 16);
        using var cts = new CancellationTokenSource();
        // The stop arrives while the only (so the last) chunk is decoded: reported through progress after the chunk.
        var progress = new SyncProgress(_ => cts.Cancel());
        Assert.ThrowsAny<OperationCanceledException>(() =>
            FolderIngest.Run(input, tmp.Sub("out"), new FolderIngestOptions { Size = 8, Unlabelled = true, Cancel = cts.Token }, progress));
        Assert.False(File.Exists(ManifestFile.PathIn(tmp.Sub("out"))));
        Assert.Contains("stopped by a signal", File.ReadAllText(Path.Combine(tmp.Sub("out"), FolderIngest.ReportFile)), StringComparison.Ordinal);
    }

    [Fact]
    public void LineBreakNonUtf8AndDanglingNames_SkippedAtDiscoveryWithTheRightReason()
    {
        using var tmp = new TempDir();
        var input = tmp.Sub("in");
        SavePng(Path.Combine(input, "ok.png"), 16, 16);
        SavePng(Path.Combine(input, "two\nlines.png"), 16, 16);
        Shell($"cd '{input}' && cp ok.png \"$(printf 'bad\\377name.png')\" && ln -s nowhere.png dangling.png");
        FolderIngest.Run(input, tmp.Sub("out"), new FolderIngestOptions { Size = 8, Unlabelled = true });
        var skipped = Skipped(tmp.Sub("out"));
        Assert.Contains("line break", skipped["two\nlines.png"], StringComparison.Ordinal);
        Assert.Equal("dangling symlink (→ nowhere.png)", skipped["dangling.png"]);
        var bad = Assert.Single(skipped.Keys, k => k.StartsWith("bad", StringComparison.Ordinal));
        Assert.Contains("not valid UTF-8", skipped[bad], StringComparison.Ordinal);
    }

    private sealed class SyncProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
