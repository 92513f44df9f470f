using System.Text.Json.Nodes;
using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;
using SkiaSharp;

namespace Nnclr.Data.Tests.Shards;

/// <summary>Issue #11 point 1: jpeg-codec datasets (format v2) — original bytes kept, large/PNG re-encoded, paths kept, every check stays.</summary>
public sealed class JpegShardTests
{
    private static string ImagenetSample()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared", "data", "imagenet-sample-500");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("shared/data/imagenet-sample-500 not found above the test assembly");
    }

    private static void Save(string path, int w, int h, SKEncodedImageFormat format)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) bmp.SetPixel(x, y, new SKColor((byte)(x * 255 / w), (byte)(y * 255 / h), 128));
        using var data = bmp.Encode(format, 95);
        File.WriteAllBytes(path, data.ToArray());
    }

    private static (int W, int H) Dimensions(ReadOnlySpan<byte> encoded)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        Assert.Equal(SKEncodedImageFormat.Jpeg, codec.EncodedFormat);
        return (codec.Info.Width, codec.Info.Height);
    }

    [Fact]
    public void Ingest_JpegFormatOnRealPhotos_KeepsEveryOriginalJpegByteForByteWithItsPath()
    {
        using var tmp = new TempDir();
        var source = ImagenetSample();
        var report = FolderIngest.Run(source, tmp.Sub("ds"), new FolderIngestOptions { Format = ShardCodec.Jpeg, Unlabelled = true, MaxSide = 512 });
        Assert.Empty(report.Skipped);
        using var ds = ShardDataset.Open(tmp.Sub("ds"), "train");
        Assert.Equal(ShardCodec.Jpeg, ds.Codec);
        Assert.Equal(2, ds.Manifest.FormatVersion);
        Assert.Equal(500, ds.Count);
        var buffer = new byte[ds.MaxRecordBytes];
        var seen = new HashSet<string>();
        int kept = 0;
        for (int i = 0; i < ds.Count; i++)
        {
            var (length, label) = ds.ReadEncoded(i, buffer);
            Assert.Equal(0, label);
            var rel = ds.SourcePath(i);
            Assert.True(seen.Add(rel), $"path {rel} appears twice");
            var original = File.ReadAllBytes(Path.Combine(source, rel));
            var (w, h) = Dimensions(buffer.AsSpan(0, length));
            Assert.True(Math.Max(w, h) <= 512, $"{rel}: stored at {w}x{h}");
            if (original.AsSpan().SequenceEqual(buffer.AsSpan(0, length))) kept++;
        }
        // Every original whose longer side is ≤ 512 keeps its bytes; the rest were re-encoded.
        Assert.Equal(500 - report.Reencoded, kept);
        Assert.True(kept > 400, $"only {kept} of 500 kept");
        Assert.Equal(3, ds.Manifest.FindSplit("train")!.Mean.Count);
    }

    [Fact]
    public void Ingest_JpegFormat_LargeJpegAndPngAreReencodedAtMaxSideWithLabels()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        Save(Path.Combine(root, "a", "small.jpg"), 100, 60, SKEncodedImageFormat.Jpeg);
        Save(Path.Combine(root, "a", "wide.jpg"), 900, 300, SKEncodedImageFormat.Jpeg);
        Save(Path.Combine(root, "b", "pic.png"), 120, 80, SKEncodedImageFormat.Png);
        var report = FolderIngest.Run(root, tmp.Sub("ds"), new FolderIngestOptions { Format = ShardCodec.Jpeg, MaxSide = 256, Quality = 80, ShuffleSeed = null });
        Assert.Equal(2, report.Reencoded);
        using var ds = ShardDataset.Open(tmp.Sub("ds"), "train");
        var buffer = new byte[ds.MaxRecordBytes];
        var byPath = Enumerable.Range(0, ds.Count).ToDictionary(i => ds.SourcePath(i), i =>
        {
            var (length, label) = ds.ReadEncoded(i, buffer);
            return (Label: label, Size: Dimensions(buffer.AsSpan(0, length)), Bytes: buffer[..length]);
        });
        Assert.Equal(["a/small.jpg", "a/wide.jpg", "b/pic.png"], byPath.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(File.ReadAllBytes(Path.Combine(root, "a", "small.jpg")), byPath["a/small.jpg"].Bytes);
        Assert.Equal((256, 85), byPath["a/wide.jpg"].Size);
        Assert.Equal((120, 80), byPath["b/pic.png"].Size);
        Assert.Equal([0, 0, 1], byPath.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value.Label));
    }

    [Fact]
    public void Open_JpegShardWithAnyChangedByte_NamesTheProblem()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        for (int i = 0; i < 5; i++) Save(Path.Combine(root, $"p{i}.jpg"), 64 + i, 48, SKEncodedImageFormat.Jpeg);
        FolderIngest.Run(root, tmp.Sub("ds"), new FolderIngestOptions { Format = ShardCodec.Jpeg, Unlabelled = true, RecordsPerBlock = 2 });
        var shard = Path.Combine(tmp.Sub("ds"), "train-00000.shard");
        var original = File.ReadAllBytes(shard);
        for (int offset = 0; offset < original.Length; offset += offset < 64 ? 1 : 97)
        {
            var bytes = (byte[])original.Clone();
            bytes[offset] ^= 0x5A;
            File.WriteAllBytes(shard, bytes);
            var e = Assert.Throws<ShardFormatException>(() =>
            {
                using var ds = ShardDataset.Open(tmp.Sub("ds"), "train");
                var buffer = new byte[ds.MaxRecordBytes];
                for (int i = 0; i < ds.Count; i++) ds.ReadEncoded(i, buffer);
            });
            Assert.Contains(shard, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        File.WriteAllBytes(shard, original);
        using (var ok = ShardDataset.Open(tmp.Sub("ds"), "train")) Assert.Equal(5, ok.Count);
    }

    [Theory]
    [InlineData("codec", "raw", "does not belong to format version 2")]
    [InlineData("formatVersion", "3", "unsupported format version 3")]
    [InlineData("maxRecordBytes", "0", "maxRecordBytes")]
    [InlineData("maxBlockBytes", "2000000000", "maxBlockBytes")]
    public void Open_JpegManifestWithBadCodecFields_GivesOneClearError(string field, string value, string expected)
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        Save(Path.Combine(root, "p.jpg"), 64, 48, SKEncodedImageFormat.Jpeg);
        FolderIngest.Run(root, tmp.Sub("ds"), new FolderIngestOptions { Format = ShardCodec.Jpeg, Unlabelled = true });
        var path = ManifestFile.PathIn(tmp.Sub("ds"));
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json[field] = JsonNode.Parse(value == "raw" ? "\"raw\"" : value);
        File.WriteAllText(path, json.ToJsonString());
        var e = Assert.Throws<ShardFormatException>(() => ShardDataset.Open(tmp.Sub("ds"), "train"));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }
}
