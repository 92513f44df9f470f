using Nnclr.Data.Shards;

namespace Nnclr.Data.Ingest;

/// <summary>
/// The built-in default dataset: procedurally generated, labelled, deterministic 32×32 RGB images of 10
/// visually distinct classes (see <see cref="DemoPainter"/>), balanced (label = index mod 10). Image i of a
/// split depends only on (seed, split, i): the bytes written are the same for any thread count.
/// </summary>
public static class DemoDataset
{
    public const string Name = "demo";

    public static void Generate(string outDir, int trainCount = 10000, int testCount = 2000, ulong seed = 1)
    {
        if (trainCount <= 0 || testCount <= 0) throw new ArgumentOutOfRangeException(nameof(trainCount), $"counts must be positive: train {trainCount}, test {testCount}");
        const int side = DemoPainter.Side, imageBytes = side * side * 3;
        using var writer = new DatasetWriter(outDir, Name, DemoPainter.Classes, side, side) { Source = $"nnclr demo dataset, seed {seed}" };
        foreach (var (split, count, id) in new[] { ("train", trainCount, 0), ("test", testCount, 1) })
        {
            var splitWriter = writer.BeginSplit(split);
            const int chunk = 2048;
            var images = new byte[chunk * imageBytes];
            var labels = new int[chunk];
            for (int start = 0; start < count; start += chunk)
            {
                int n = Math.Min(chunk, count - start);
                Parallel.For(0, n, i =>
                {
                    int index = start + i, label = index % DemoPainter.Classes.Length;
                    var rng = new SampleRandom(seed, id, index, stream: 0xDE30);
                    DemoPainter.Paint(label, ref rng, images.AsSpan(i * imageBytes, imageBytes));
                    labels[i] = label;
                });
                splitWriter.Add(images.AsSpan(0, n * imageBytes), labels.AsSpan(0, n));
            }
        }
        writer.Complete();
    }

    /// <summary>True when <paramref name="outDir"/> holds a complete demo dataset whose shards open cleanly.</summary>
    public static bool Exists(string outDir)
    {
        try
        {
            if (!File.Exists(ManifestFile.PathIn(outDir)) || ManifestFile.Load(outDir).Name != Name) return false;
            using var train = ShardDataset.Open(outDir, "train");
            using var test = ShardDataset.Open(outDir, "test");
            return train.Count > 0 && test.Count > 0;
        }
        catch (ShardFormatException) { return false; }
    }
}
