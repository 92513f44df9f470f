namespace Nnclr.Model.Tests;

public sealed class SupportSetTests
{
    public SupportSetTests() => TorchSetup.Ensure();

    /// <summary>A support set whose rows are exactly <paramref name="rows"/> (labels 0..n−1).</summary>
    internal static SupportSet Filled(double[][] rows)
    {
        using var g = new Generator(1);
        var s = new SupportSet(rows.Length, rows[0].Length, rows.Length, g, torch.CPU);
        using var q = torch.tensor(rows.SelectMany(r => r.Select(v => (float)v)).ToArray(), [rows.Length, rows[0].Length]);
        using var l = torch.arange(rows.Length, dtype: ScalarType.Int64);
        s.Load(q, l, 0);
        return s;
    }

    [Fact]
    public void Constructor_SizeNotMultipleOfBatch_ThrowsNamingSetting()
    {
        using var g = new Generator(1);
        var e = Assert.Throws<ArgumentException>(() => new SupportSet(100, 4, 16, g, torch.CPU));
        Assert.Contains("SupportSetSize", e.Message);
        Assert.Contains("16", e.Message);
    }

    [Fact]
    public void Constructor_RandomInit_RowsAreUnit()
    {
        using var g = new Generator(3);
        using var s = new SupportSet(32, 8, 8, g, torch.CPU);
        using var norms = s.Queue.norm(1);
        Assert.True(norms.sub(1).abs().max().item<float>() < 1e-5);
        Assert.True(s.Labels.eq(-1).all().item<bool>());
    }

    [Fact]
    public void Enqueue_PastTheEnd_WrapsFifo()
    {
        using var g = new Generator(3);
        using var s = new SupportSet(6, 3, 2, g, torch.CPU);
        using var scope = torch.NewDisposeScope();
        for (int b = 0; b < 4; b++)
        {
            // batch b: rows (b+1)·(1, 0, 0) and (b+1)·(0, 1, 0) scaled, labels 10b, 10b+1
            var z = torch.tensor(new float[] { b + 1, 0, 0, 0, b + 1, 0 }, [2, 3]);
            s.Enqueue(z, torch.tensor(new long[] { 10 * b, 10 * b + 1 }));
            Assert.Equal((2L * (b + 1)) % 6, s.Pointer);
        }
        // Batch 3 overwrote rows 0..1 (wrapped); batches 1 and 2 remain in rows 2..5.
        Assert.Equal(new long[] { 30, 31, 10, 11, 20, 21 }, s.Labels.data<long>().ToArray());
        var q = s.Queue.data<float>().ToArray();
        Assert.Equal(new float[] { 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0 }, q); // normalised rows
    }

    [Fact]
    public void Enqueue_WrongRowCount_Throws()
    {
        using var g = new Generator(3);
        using var s = new SupportSet(6, 3, 2, g, torch.CPU);
        using var z = torch.ones(3, 3);
        using var l = torch.zeros(3, dtype: ScalarType.Int64);
        Assert.Throws<ArgumentException>(() => s.Enqueue(z, l));
    }

    // Eight unit rows at angles 0°, 10°, 20°, …, 70° from (1, 0); the query at −4° is closest to rows 0, 1, 2 in that order.
    private static SupportSet Fan()
    {
        var rows = Enumerable.Range(0, 8).Select(i => new[] { Math.Cos(i * 10 * Math.PI / 180), Math.Sin(i * 10 * Math.PI / 180) }).ToArray();
        // shuffle row order so that "best" is not "first"
        int[] order = [5, 2, 7, 0, 3, 6, 1, 4];
        return Filled(order.Select(i => rows[i]).ToArray());
    }

    [Fact]
    public void Nearest_Top1_PicksMostSimilar()
    {
        using var s = Fan();
        using var scope = torch.NewDisposeScope();
        var query = torch.tensor(new float[] { (float)Math.Cos(-4 * Math.PI / 180), (float)Math.Sin(-4 * Math.PI / 180) }, [1, 2]) * 3;
        var (nn, idx) = s.Nearest(query, 1, null);
        Assert.Equal(3L, idx.item<long>()); // row holding angle 0
        Assert.Equal(1f, nn[0, 0].item<float>(), 5);
    }

    [Fact]
    public void Nearest_TopK_PicksOnlyAmongTheKBestAndAllOfThem()
    {
        using var s = Fan();
        using var g = new Generator(11);
        using var scope = torch.NewDisposeScope();
        var query = torch.tensor(new float[] { (float)Math.Cos(-4 * Math.PI / 180), (float)Math.Sin(-4 * Math.PI / 180) }, [1, 2]).expand(600, 2).contiguous();
        var (_, idx) = s.Nearest(query, 3, g);
        var picked = idx.data<long>().ToArray();
        // Angles 0, 10, 20 live in rows 3, 6, 1 (see Fan's order).
        Assert.All(picked, i => Assert.Contains(i, new long[] { 3, 6, 1 }));
        var counts = picked.GroupBy(i => i).ToDictionary(x => x.Key, x => x.Count());
        Assert.Equal(3, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 140, 260)); // uniform: 200 each expected
    }

    [Fact]
    public void Hits_CountsSameLabelNeighbours()
    {
        using var s = Fan(); // labels 0..7 by row
        using var scope = torch.NewDisposeScope();
        var idx = torch.tensor(new long[] { 3, 6, 1, 0 });
        var labels = torch.tensor(new long[] { 3, 5, 1, 0 });
        Assert.Equal(3L, s.Hits(idx, labels).item<long>());
    }
}
