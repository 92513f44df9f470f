using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;
using SkiaSharp;

namespace Nnclr.Data.Tests.Shards;

/// <summary>
/// Issue #11 point 3: a class-sorted folder, ingested and read back by the EpochReader, gives batches whose class
/// make-up matches uniform sampling (distinct classes per batch, largest class count per batch) within 5 %.
/// </summary>
public sealed class UniformBatchTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Classes = 40, PerClass = 20, Batch = 32, Epochs = 15;

    /// <summary>40 class folders of 20 tiny PNGs each: in path order the records are sorted by class.</summary>
    private static string ClassSortedFolder(TempDir tmp)
    {
        var root = tmp.Sub("in");
        for (int c = 0; c < Classes; c++)
        {
            Directory.CreateDirectory(Path.Combine(root, $"class{c:D2}"));
            for (int i = 0; i < PerClass; i++)
            {
                using var bmp = new SKBitmap(new SKImageInfo(8, 8, SKColorType.Rgba8888, SKAlphaType.Unpremul));
                bmp.Erase(new SKColor((byte)(c * 6), (byte)i, 7));
                using var data = bmp.Encode(SKEncodedImageFormat.Png, 95);
                File.WriteAllBytes(Path.Combine(root, $"class{c:D2}", $"{i:D3}.png"), data.ToArray());
            }
        }
        return root;
    }

    /// <summary>Mean distinct classes and mean largest class count per batch over the given batches of labels.</summary>
    private static (double Distinct, double Largest) Stats(IEnumerable<int[]> batches)
    {
        double distinct = 0, largest = 0; int n = 0;
        var counts = new int[Classes];
        foreach (var b in batches)
        {
            Array.Clear(counts);
            foreach (var l in b) counts[l]++;
            distinct += counts.Count(c => c > 0); largest += counts.Max(); n++;
        }
        return (distinct / n, largest / n);
    }

    private static IEnumerable<int[]> ReaderBatches(string dir)
    {
        using var ds = ShardDataset.Open(dir, "train");
        var r = new EpochReader(ds, seed: 11, new DataCursor(0, 0));
        var images = new byte[Batch * ds.ImageBytes]; var keys = new long[Batch];
        var result = new List<int[]>();
        for (long b = 0; b < Epochs * r.BatchesPerEpoch(Batch); b++)
        {
            var labels = new int[Batch];
            r.ReadBatch(Batch, images, labels, keys);
            result.Add(labels);
        }
        return result;
    }

    /// <summary>The same statistics under uniform sampling without replacement: a fresh uniform permutation per epoch.</summary>
    private static (double Distinct, double Largest) Uniform()
    {
        var rng = new Random(5);
        var labels = Enumerable.Range(0, Classes * PerClass).Select(i => i / PerClass).ToArray();
        var batches = new List<int[]>();
        for (int e = 0; e < 400; e++)
        {
            rng.Shuffle(labels);
            for (int b = 0; b + Batch <= labels.Length; b += Batch) batches.Add(labels[b..(b + Batch)]);
        }
        return Stats(batches);
    }

    [Fact]
    public void ReadBatch_ClassSortedFolder_BatchesMatchUniformSamplingWithin5Percent()
    {
        using var tmp = new TempDir();
        var root = ClassSortedFolder(tmp);
        // 10 records per block: 80 blocks of one class each in path order, far more than the reader's 16-block window.
        FolderIngest.Run(root, tmp.Sub("out"), new FolderIngestOptions { Size = 8, Strict = true, RecordsPerBlock = 10 });
        var (distinct, largest) = Stats(ReaderBatches(tmp.Sub("out")));
        var uniform = Uniform();
        Assert.True(Math.Abs(distinct / uniform.Distinct - 1) <= 0.05, $"distinct classes per batch {distinct:F2}, uniform {uniform.Distinct:F2}");
        Assert.True(Math.Abs(largest / uniform.Largest - 1) <= 0.05, $"largest class count per batch {largest:F2}, uniform {uniform.Largest:F2}");

        // The control: the same folder written in path (class) order gives batches of a few classes — what the test guards against.
        FolderIngest.Run(root, tmp.Sub("sorted"), new FolderIngestOptions { Size = 8, Strict = true, RecordsPerBlock = 10, ShuffleSeed = null });
        var sorted = Stats(ReaderBatches(tmp.Sub("sorted")));
        output.WriteLine($"distinct/largest per batch: shuffled ingest {distinct:F2}/{largest:F2}, uniform {uniform.Distinct:F2}/{uniform.Largest:F2}, class-ordered {sorted.Distinct:F2}/{sorted.Largest:F2}");
        Assert.True(sorted.Distinct < 0.7 * uniform.Distinct, $"class-ordered shards gave {sorted.Distinct:F2} distinct classes per batch, uniform {uniform.Distinct:F2}");
    }
}
