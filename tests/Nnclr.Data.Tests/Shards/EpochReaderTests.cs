using Nnclr.Data.Shards;

namespace Nnclr.Data.Tests.Shards;

[Collection("cifar")]
public sealed class EpochReaderTests(CifarFixture cifar)
{
    private static long[] Keys(EpochReader r, int batches, int n)
    {
        var images = new byte[n * r.Dataset.ImageBytes]; var labels = new int[n]; var keys = new long[n];
        var all = new List<long>();
        for (int b = 0; b < batches; b++) { r.ReadBatch(n, images, labels, keys); all.AddRange(keys); }
        return all.ToArray();
    }

    [Fact]
    public void ReadBatch_OneEpoch_VisitsEveryRecordOnceWithItsOwnBytes()
    {
        using var ds = ShardDataset.Open(cifar.DatasetDir, "test");
        var r = new EpochReader(ds, seed: 3, new DataCursor(0, 0));
        const int n = 250;
        var images = new byte[n * ds.ImageBytes]; var labels = new int[n]; var keys = new long[n];
        var seen = new bool[ds.Count];
        var one = new byte[ds.ImageBytes];
        for (int b = 0; b < r.BatchesPerEpoch(n); b++)
        {
            r.ReadBatch(n, images, labels, keys);
            for (int i = 0; i < n; i++)
            {
                Assert.False(seen[keys[i]], $"record {keys[i]} read twice");
                seen[keys[i]] = true;
                if (i % 50 == 0)
                {
                    Assert.Equal(ds.ReadRecord(keys[i], one), labels[i]);
                    Assert.True(one.AsSpan().SequenceEqual(images.AsSpan(i * ds.ImageBytes, ds.ImageBytes)));
                }
            }
        }
        Assert.All(seen, Assert.True);
        Assert.Equal(new DataCursor(0, 10_000), r.Cursor);
    }

    [Fact]
    public void ReadBatch_Shuffled_OrderIsFarFromSequential()
    {
        using var ds = ShardDataset.Open(cifar.DatasetDir, "test");
        var keys = Keys(new EpochReader(ds, 3, new DataCursor(0, 0)), 10, 1000);
        double meanPos = keys.Length / 2.0, cov = 0, varP = 0;
        for (int i = 0; i < keys.Length; i++) { cov += (i - meanPos) * (keys[i] - meanPos); varP += (i - meanPos) * (i - meanPos); }
        Assert.InRange(cov / varP, -0.35, 0.35);
        // The first 1,000 come from many blocks.
        Assert.True(keys.Take(1000).Select(k => k / ds.RecordsPerBlock).Distinct().Count() >= Math.Min(EpochReader.WindowBlocks, ds.BlockCount) - 1);
    }

    [Fact]
    public void ReadBatch_ResumedFromCursor_MatchesUninterruptedRun()
    {
        using var ds = ShardDataset.Open(cifar.DatasetDir, "test");
        var straight = Keys(new EpochReader(ds, 11, new DataCursor(0, 0)), 14, 1500);
        var first = new EpochReader(ds, 11, new DataCursor(0, 0));
        var a = Keys(first, 5, 1500);
        var resumed = new EpochReader(ds, 11, first.Cursor);
        var b = Keys(resumed, 9, 1500);
        Assert.Equal(straight, a.Concat(b).ToArray());
    }

    [Fact]
    public void ReadBatch_SeedsAndEpochs_GiveDifferentOrders()
    {
        using var ds = ShardDataset.Open(cifar.DatasetDir, "test");
        var e0 = Keys(new EpochReader(ds, 5, new DataCursor(0, 0)), 1, 1000);
        Assert.Equal(e0, Keys(new EpochReader(ds, 5, new DataCursor(0, 0)), 1, 1000));
        Assert.NotEqual(e0, Keys(new EpochReader(ds, 6, new DataCursor(0, 0)), 1, 1000));
        Assert.NotEqual(e0, Keys(new EpochReader(ds, 5, new DataCursor(1, 0)), 1, 1000));
    }

    [Fact]
    public void ReadBatch_FewerLeftThanBatch_DropsThemAndStartsNextEpoch()
    {
        using var ds = ShardDataset.Open(cifar.DatasetDir, "test");
        var r = new EpochReader(ds, 1, new DataCursor(0, 0));
        Assert.Equal(3, r.BatchesPerEpoch(3000));
        Keys(r, 3, 3000);
        Assert.Equal(new DataCursor(0, 9000), r.Cursor);
        var next = Keys(r, 1, 3000);
        Assert.Equal(new DataCursor(1, 3000), r.Cursor);
        Assert.Equal(Keys(new EpochReader(ds, 1, new DataCursor(1, 0)), 1, 3000), next);
    }

    [Fact]
    public void ReadBatch_ShuffleOff_ReadsInRecordOrder()
    {
        using var ds = ShardDataset.Open(cifar.DatasetDir, "test");
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => (long)i), Keys(new EpochReader(ds, 1, new DataCursor(0, 0), shuffle: false), 4, 500));
    }

    [Fact]
    public void ReadBatch_WarmedUp_AllocatesNothing()
    {
        using var ds = ShardDataset.Open(cifar.DatasetDir, "test");
        var r = new EpochReader(ds, 1, new DataCursor(0, 0));
        const int n = 256;
        var images = new byte[n * ds.ImageBytes]; var labels = new int[n]; var keys = new long[n];
        for (int i = 0; i < 45; i++) r.ReadBatch(n, images, labels, keys); // crosses an epoch boundary: the permutation is rebuilt in place
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) r.ReadBatch(n, images, labels, keys);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Constructor_CursorBeyondSplit_Throws()
    {
        using var ds = ShardDataset.Open(cifar.DatasetDir, "test");
        Assert.Throws<ArgumentOutOfRangeException>(() => new EpochReader(ds, 1, new DataCursor(0, 10_001)));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ds.ReadRecord(10_000, new byte[3072]));
        Assert.Contains("10000", e.Message);
    }

    [Fact]
    public void ReadRecord_ManyThreads_AgreeWithSingleThread()
    {
        using var ds = ShardDataset.Open(cifar.DatasetDir, "train");
        var idx = Enumerable.Range(0, 400).Select(i => (long)(i * 7919 % 50_000)).ToArray();
        var expect = idx.Select(i => { var b = new byte[3072]; int l = ds.ReadRecord(i, b); return (l, Convert.ToHexString(b)); }).ToArray();
        var got = new (int, string)[idx.Length];
        Parallel.For(0, idx.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k => { var b = new byte[3072]; int l = ds.ReadRecord(idx[k], b); got[k] = (l, Convert.ToHexString(b)); });
        Assert.Equal(expect, got);
    }
}
