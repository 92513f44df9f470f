using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;
using SkiaSharp;

namespace Nnclr.Data.Tests.Ingest;

/// <summary>Issue #11 point 2: --labels FILE labels splits whose files are not in class folders.</summary>
public sealed class LabelsFileTests
{
    private static void Save(string path, byte red)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bmp = new SKBitmap(new SKImageInfo(24, 20, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bmp.Erase(new SKColor(red, 10, 10));
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    [Fact]
    public void Ingest_LabelsFileOverTrainAndValFolders_LabelsEachListedFileAndReportsTheUnlisted()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        Save(Path.Combine(root, "train", "a.png"), 10);
        Save(Path.Combine(root, "train", "deep", "b.png"), 20);
        Save(Path.Combine(root, "train", "c.png"), 30);
        Save(Path.Combine(root, "val", "v1.png"), 40);
        Save(Path.Combine(root, "val", "v2.png"), 50);
        var labels = tmp.Sub("labels.txt");
        File.WriteAllText(labels, "# path class\ntrain/a.png\tcat\n./train/deep/b.png,dog\n\ntrain/c.png cat\nval/v1.png dog\n");
        var report = FolderIngest.Run(root, tmp.Sub("ds"), new FolderIngestOptions { Size = 8, LabelsFile = labels, ShuffleSeed = null });
        var unlisted = Assert.Single(report.Skipped);
        Assert.EndsWith("v2.png", unlisted.Path);
        Assert.Contains("not listed in the labels file", unlisted.Reason);
        using var train = ShardDataset.Open(tmp.Sub("ds"), "train");
        using var test = ShardDataset.Open(tmp.Sub("ds"), "test");
        Assert.Equal(["cat", "dog"], train.Classes);
        var img = new byte[train.ImageBytes];
        // Path order (no shuffle): train/a.png, train/c.png, train/deep/b.png.
        var byRed = Enumerable.Range(0, train.Count).ToDictionary(i => { train.ReadRecord(i, img); return img[0] / 10; }, i => train.ReadRecord(i, img));
        Assert.Equal(new Dictionary<int, int> { [1] = 0, [3] = 0, [2] = 1 }, byRed);
        Assert.Equal(1, test.Count);
        Assert.Equal(1, test.ReadRecord(0, img));
        Assert.Equal([2, 1], train.Manifest.FindSplit("train")!.ClassCounts);
    }

    [Theory]
    [InlineData("train/a.png\n", "line 1")]
    [InlineData("train/a.png cat\ntrain/a.png dog\n", "labelled both 'cat' and 'dog'")]
    [InlineData("../outside.png cat\n", "inside the input folder")]
    [InlineData("# nothing\n", "lists no files")]
    public void Ingest_BadLabelsFile_OneErrorNamingFileAndLine(string content, string expected)
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        Save(Path.Combine(root, "a.png"), 10);
        var labels = tmp.Sub("labels.txt");
        File.WriteAllText(labels, content);
        var e = Assert.Throws<IngestException>(() => FolderIngest.Run(root, tmp.Sub("ds"), new FolderIngestOptions { Size = 8, LabelsFile = labels }));
        Assert.Contains(labels, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.False(File.Exists(ManifestFile.PathIn(tmp.Sub("ds"))));
    }

    /// <summary>Issue #28 point 1: a labels file for val/ only (file names, extra columns) leaves train's class folders as they are.</summary>
    [Fact]
    public void Ingest_LabelsFileForValOnlyByFileName_TrainKeepsClassFoldersValGetsTheFileClasses()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        Save(Path.Combine(root, "train", "cat", "images", "c1.png"), 10);
        Save(Path.Combine(root, "train", "dog", "images", "d1.png"), 20);
        Save(Path.Combine(root, "val", "images", "val_0.png"), 30);
        Save(Path.Combine(root, "val", "images", "val_1.png"), 40);
        var labels = Path.Combine(root, "val", "val_annotations.txt");
        File.WriteAllText(labels, "val_0.png\tdog\t0\t1\t20\t18\nval_1.png\tcat\t2\t2\t9\t9\nval_9.png\tcat\t0\t0\t1\t1\n");
        var report = FolderIngest.Run(root, tmp.Sub("ds"), new FolderIngestOptions { Size = 8, LabelsFile = labels, ShuffleSeed = null });
        Assert.DoesNotContain(report.Skipped, s => s.Path.EndsWith(".png", StringComparison.Ordinal));
        Assert.Contains(report.Warnings, w => w.Contains("train") && w.Contains("class folders"));
        Assert.Contains(report.Warnings, w => w.Contains("1 entry") && w.Contains("match no image"));
        using var train = ShardDataset.Open(tmp.Sub("ds"), "train");
        using var test = ShardDataset.Open(tmp.Sub("ds"), "test");
        Assert.Equal(["cat", "dog"], train.Classes);
        var img = new byte[train.ImageBytes];
        Assert.Equal([0, 1], Enumerable.Range(0, train.Count).Select(i => train.ReadRecord(i, img)).ToArray());
        // Path order: val_0 (dog), val_1 (cat).
        Assert.Equal([1, 0], Enumerable.Range(0, test.Count).Select(i => test.ReadRecord(i, img)).ToArray());
    }

    [Fact]
    public void Ingest_ValImagesFolderWithoutLabels_RefusedNamingTheFixAndNoDataset()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        Save(Path.Combine(root, "train", "cat", "images", "c1.png"), 10);
        Save(Path.Combine(root, "train", "dog", "images", "d1.png"), 20);
        Save(Path.Combine(root, "val", "images", "val_0.png"), 30);
        File.WriteAllText(Path.Combine(root, "val", "val_annotations.txt"), "val_0.png\tdog\n");
        var e = Assert.Throws<IngestException>(() => FolderIngest.Run(root, tmp.Sub("ds"), new FolderIngestOptions { Size = 8 }));
        Assert.Contains("the class 'images'", e.Message);
        Assert.Contains("--labels " + Path.Combine(root, "val", "val_annotations.txt"), e.Message);
        Assert.False(File.Exists(ManifestFile.PathIn(tmp.Sub("ds"))));
    }

    [Fact]
    public void Ingest_ClassFolderNamedImagesBesideRealClasses_Warns()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        Save(Path.Combine(root, "cat", "c1.png"), 10);
        Save(Path.Combine(root, "images", "x.png"), 20);
        var report = FolderIngest.Run(root, tmp.Sub("ds"), new FolderIngestOptions { Size = 8 });
        Assert.Contains(report.Warnings, w => w.Contains("named like a plain sub-folder") && w.Contains("--labels FILE"));
    }

    [Theory]
    [InlineData("x.png cat\n", "matches both")]
    [InlineData("nowhere/y.png cat\n", "lists none of the images")]
    public void Ingest_LabelsFileAmbiguousOrMatchingNothing_OneErrorNamingTheFile(string content, string expected)
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("in");
        Save(Path.Combine(root, "a", "x.png"), 10);
        Save(Path.Combine(root, "b", "x.png"), 20);
        var labels = tmp.Sub("labels.txt");
        File.WriteAllText(labels, content);
        var e = Assert.Throws<IngestException>(() => FolderIngest.Run(root, tmp.Sub("ds"), new FolderIngestOptions { Size = 8, LabelsFile = labels }));
        Assert.Contains(labels, e.Message);
        Assert.Contains(expected, e.Message);
    }
}
