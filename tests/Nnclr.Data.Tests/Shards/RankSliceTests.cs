using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;

namespace Nnclr.Data.Tests.Shards;

/// <summary>Data parallel: each rank reads its contiguous slice of each global batch of the one-process order.</summary>
public sealed class RankSliceTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ShardDataset _ds;

    public RankSliceTests()
    {
        DemoDataset.Generate(_dir.Sub("demo"), trainCount: 600, testCount: 40, seed: 5);
        _ds = ShardDataset.Open(_dir.Sub("demo"), "train");
    }

    // The keys one reader returns over `steps` calls of ReadSlice(global, rank·global/world, global/world).
    private long[] Read(int global, int rank, int world, int steps, DataCursor start, out DataCursor end)
    {
        int n = global / world;
        var r = new EpochReader(_ds, seed: 9, start);
        var images = new byte[n * _ds.ImageBytes]; var labels = new int[n]; var keys = new long[n];
        var all = new List<long>();
        for (int s = 0; s < steps; s++) { r.ReadSlice(global, rank * n, n, images, labels, keys); all.AddRange(keys); }
        end = r.Cursor;
        return all.ToArray();
    }

    [Fact]
    public void OneEpoch_TwoRanks_DisjointAndTheirUnionIsTheEpoch_InTheOneProcessOrder()
    {
        const int global = 64;
        int steps = (int)(_ds.Count / global); // drop-last: 9 global batches of 64 = 576 of 600
        var single = Read(global, 0, 1, steps, new DataCursor(0, 0), out var singleEnd);
        var r0 = Read(global, 0, 2, steps, new DataCursor(0, 0), out var end0);
        var r1 = Read(global, 1, 2, steps, new DataCursor(0, 0), out var end1);
        Assert.Empty(r0.Intersect(r1));
        Assert.Equal(single.Length, r0.Length + r1.Length);
        Assert.Equal(single.Order(), r0.Concat(r1).Order());
        Assert.Equal(single.Distinct().Count(), single.Length);
        // Step by step: rank 0's slice then rank 1's is exactly the one-process global batch.
        for (int s = 0; s < steps; s++)
            Assert.Equal(single.AsSpan(s * global, global).ToArray(), r0.AsSpan(s * 32, 32).ToArray().Concat(r1.AsSpan(s * 32, 32).ToArray()));
        // The cursor is global: the same on every rank and as for one process.
        Assert.Equal(singleEnd, end0);
        Assert.Equal(singleEnd, end1);
    }

    [Fact]
    public void ResumeAtAnotherWorldSize_FromTheGlobalCursor_ContinuesTheSameOrder()
    {
        const int global = 64;
        var straight = Read(global, 0, 1, 12, new DataCursor(0, 0), out _); // crosses into epoch 1
        Read(global, 0, 2, 5, new DataCursor(0, 0), out var cursor);        // two ranks ran 5 steps, then stopped
        var rest = Read(global, 0, 1, 7, cursor, out _);                     // one process resumes at their cursor
        Assert.Equal(straight.AsSpan(5 * global).ToArray(), rest);
        var four = Enumerable.Range(0, 4).Select(r => Read(global, r, 4, 7, cursor, out _)).ToArray(); // or four ranks
        for (int s = 0; s < 7; s++)
            Assert.Equal(rest.AsSpan(s * global, global).ToArray(), four.SelectMany(k => k.AsSpan(s * 16, 16).ToArray()));
    }

    [Fact]
    public void SliceOutsideTheGlobalBatch_Refused()
    {
        var r = new EpochReader(_ds, 9, new DataCursor(0, 0));
        var buf = new byte[64 * _ds.ImageBytes]; var labels = new int[64]; var keys = new long[64];
        Assert.Throws<ArgumentOutOfRangeException>(() => r.ReadSlice(64, 48, 32, buf, labels, keys));
    }

    public void Dispose()
    {
        _ds.Dispose();
        _dir.Dispose();
    }
}
