using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;

namespace Nnclr.Data.Tests.Ingest;

[Collection("cifar")]
public sealed class CifarIngestTests(CifarFixture cifar)
{
    [Fact]
    public void Run_Cifar10Archive_CountsClassesAndSizeMatchTheDistribution()
    {
        using var train = ShardDataset.Open(cifar.DatasetDir, "train");
        using var test = ShardDataset.Open(cifar.DatasetDir, "test");
        Assert.Equal(50_000, train.Count);
        Assert.Equal(10_000, test.Count);
        Assert.Equal((32, 32, 3072), (train.Height, train.Width, train.ImageBytes));
        Assert.Equal(10, train.Classes.Count);
        Assert.Equal("cat", train.Classes[3]);
        Assert.All(train.Manifest.FindSplit("train")!.ClassCounts, c => Assert.Equal(5000, c));
        Assert.All(train.Manifest.FindSplit("test")!.ClassCounts, c => Assert.Equal(1000, c));
        Assert.Equal(50_000, cifar.Report.Written["train"]);
    }

    [Fact]
    public void Run_Cifar10Archive_MeanAndStdAtIngestMatchThePublishedConstants()
    {
        var train = ManifestFile.Load(cifar.DatasetDir).FindSplit("train")!;
        double[] mean = [0.4914, 0.4822, 0.4465], std = [0.2470, 0.2435, 0.2616]; // the values every CIFAR-10 recipe hard-codes
        for (int c = 0; c < 3; c++)
        {
            Assert.True(Math.Abs(mean[c] - train.Mean[c]) < 5e-4, $"mean[{c}] {train.Mean[c]}");
            Assert.True(Math.Abs(std[c] - train.Std[c]) < 5e-4, $"std[{c}] {train.Std[c]}");
        }
    }

    [Fact]
    public void ReadRecord_FirstTestRecord_IsCatWithKnownFirstPixel()
    {
        using var test = ShardDataset.Open(cifar.DatasetDir, "test");
        var img = new byte[test.ImageBytes];
        int label = test.ReadRecord(0, img);
        Assert.Equal("cat", test.Classes[label]);
        Assert.Equal(new byte[] { 158, 112, 49 }, img[..3]);
    }

    [Fact]
    public void ReadRecord_FirstTrainRecords_MatchKnownLabelsAndPixel()
    {
        using var train = ShardDataset.Open(cifar.DatasetDir, "train");
        var img = new byte[train.ImageBytes];
        var labels = Enumerable.Range(0, 10).Select(i => train.ReadRecord(i, img)).ToArray();
        Assert.Equal(new[] { 6, 9, 9, 4, 1, 1, 2, 7, 8, 3 }, labels);
        train.ReadRecord(0, img);
        Assert.Equal(new byte[] { 59, 62, 63 }, img[..3]);
    }

    [Fact]
    public void ReadRecord_RandomRecords_MatchRawArchiveBytes()
    {
        using var test = ShardDataset.Open(cifar.DatasetDir, "test");
        var rng = new Random(7);
        var img = new byte[test.ImageBytes];
        foreach (int i in Enumerable.Range(0, 200).Select(_ => rng.Next(10_000)).Append(9_999))
        {
            var (hwc, label) = CifarFixture.RawRecord(cifar.RawTestBatch, i);
            Assert.Equal(label, test.ReadRecord(i, img));
            Assert.True(hwc.AsSpan().SequenceEqual(img), $"record {i} differs");
        }
    }

    [Fact]
    public void Run_ExtractedFolderWithOneOrFourThreads_WritesIdenticalBytes()
    {
        using var tmp = new TempDir();
        var src = Directory.CreateDirectory(tmp.Sub("cifar-10-batches-bin")).FullName;
        for (int b = 1; b <= 5; b++) File.WriteAllBytes(Path.Combine(src, $"data_batch_{b}.bin"), cifar.RawTrainBatch1.AsSpan((b - 1) * 300 * 3073, 300 * 3073).ToArray());
        File.WriteAllBytes(Path.Combine(src, "test_batch.bin"), cifar.RawTestBatch[..(200 * 3073)]);
        File.WriteAllBytes(Path.Combine(src, "batches.meta.txt"), cifar.RawMeta);
        CifarIngest.Run(tmp.Path, tmp.Sub("one"), CifarKind.Cifar10, null, maxParallelism: 1);
        CifarIngest.Run(tmp.Path, tmp.Sub("four"), CifarKind.Cifar10, null, maxParallelism: 4);
        foreach (var f in new[] { "train-00000.shard", "test-00000.shard" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.Sub("one"), f)), File.ReadAllBytes(Path.Combine(tmp.Sub("four"), f)));
        using var train = ShardDataset.Open(tmp.Sub("one"), "train");
        Assert.Equal(1500, train.Count);
        var img = new byte[3072];
        Assert.Equal(6, train.ReadRecord(0, img));
        Assert.Equal(new byte[] { 59, 62, 63 }, img[..3]);
    }

    [Fact]
    public void Run_ExistingDataset_RefusesToOverwrite()
    {
        var e = Assert.Throws<IOException>(() => CifarIngest.Run(TestData.CifarArchive, cifar.DatasetDir, CifarKind.Cifar10));
        Assert.Contains(cifar.DatasetDir, e.Message);
    }

    [Fact]
    public void Run_WrongDistribution_NamesTheMissingFile()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<IngestException>(() => CifarIngest.Run(tmp.Path, tmp.Sub("out"), CifarKind.Cifar100));
        Assert.Contains("train.bin", e.Message);
        Assert.False(File.Exists(Path.Combine(tmp.Sub("out"), "manifest.json")));
    }
}
