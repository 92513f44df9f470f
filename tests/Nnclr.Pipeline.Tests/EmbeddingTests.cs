using System.Security.Cryptography;
using Nnclr.Data.Augment;
using Nnclr.Data.Ingest;
using Nnclr.Model;
using Nnclr.Model.Runtime;
using Nnclr.Pipeline.Embedding;
using TorchSharp;

namespace Nnclr.Pipeline.Tests;

/// <summary>`nnclr embed`'s engine on real photos (../shared/data/imagenet-sample-500, read in place) and the search on its output.</summary>
public sealed class EmbeddingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nnclr-embed-" + Guid.NewGuid().ToString("N")[..8]);

    public EmbeddingTests()
    {
        TorchRuntime.EnsureLoaded();
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string ImagenetSample()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared", "data", "imagenet-sample-500");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("shared/data/imagenet-sample-500 not found above the test assembly");
    }

    /// <summary>A random-init tiny-cnn as a weights file, as `export --random-init --arch tiny` writes it.</summary>
    private static WeightsFile TinyWeights(long seed)
    {
        using var module = NetworkFactory.CreateBackbone(new ModelOptions { Backbone = "tiny-cnn" }, seed);
        return new WeightsFile("tiny", StateDictOrder.Entries(module).Select(e => StateTensor.From(e.Key, e.Tensor)).ToList(), new Dictionary<string, string>());
    }

    [Fact]
    public void Run_WholeFolderWithOneAndTwoThreads_SameUnitVectorsAndSameFileBytes()
    {
        var folder = ImagenetSample();
        using var encoder = new Encoder(new ModelOptions { Backbone = "tiny-cnn" }, TinyWeights(1), projector: false, torch.CPU);
        var skipped = new List<SkippedFile>();
        var input = EmbeddingInput.Folder(folder, 32, Normalization.CifarMean, Normalization.CifarStd, skipped);
        Assert.Empty(skipped);
        Assert.Equal(500, input.Count);
        var progress = new List<int>();
        var (a, failedA) = ImageEmbedder.Run(input, encoder, "test", batchSize: 64, threads: 1, progress: (done, _) => progress.Add(done));
        var (b, failedB) = ImageEmbedder.Run(input, encoder, "test", batchSize: 64, threads: 2);
        Assert.Empty(failedA);
        Assert.Empty(failedB);
        Assert.Equal([64, 128, 192, 256, 320, 384, 448, 500], progress);
        Assert.Equal(500, a.Count);
        Assert.Equal(256, a.Dim);
        Assert.Equal(a.Vectors, b.Vectors);
        Assert.Equal(Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal), a.Paths);
        for (int i = 0; i < a.Count; i++)
        {
            double norm = Math.Sqrt(a.Row(i).ToArray().Sum(v => (double)v * v));
            Assert.InRange(norm, 0.9999, 1.0001);
        }
        // Same vectors → same bytes, in both formats; and what is read back is what was written.
        foreach (var ext in new[] { ".npy", ".safetensors", ".parquet" })
        {
            var fa = a.Write(Path.Combine(_dir, "a" + ext));
            var fb = b.Write(Path.Combine(_dir, "b" + ext));
            for (int f = 0; f < fa.Count; f++)
                Assert.Equal(SHA256.HashData(File.ReadAllBytes(fa[f])), SHA256.HashData(File.ReadAllBytes(fb[f])));
            var back = EmbeddingSet.Read(fa[0]);
            Assert.Equal(a.Vectors, back.Vectors);
            Assert.Equal(a.Paths, back.Paths);
        }
    }

    [Fact]
    public void Run_FolderWithBrokenFile_SkipsItAndNamesIt()
    {
        var folder = Path.Combine(_dir, "photos", "nested");
        Directory.CreateDirectory(folder);
        var sample = Directory.GetFiles(ImagenetSample()).Order(StringComparer.Ordinal).Take(3).ToList();
        foreach (var f in sample) File.Copy(f, Path.Combine(folder, Path.GetFileName(f)));
        File.WriteAllBytes(Path.Combine(folder, "broken.jpg"), [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3]);
        File.WriteAllText(Path.Combine(_dir, "photos", "notes.txt"), "not an image");
        using var encoder = new Encoder(new ModelOptions { Backbone = "tiny-cnn" }, TinyWeights(1), projector: false, torch.CPU);
        var skipped = new List<SkippedFile>();
        var input = EmbeddingInput.Folder(Path.Combine(_dir, "photos"), 32, Normalization.CifarMean, Normalization.CifarStd, skipped);
        Assert.Single(skipped, s => s.Path.EndsWith("notes.txt", StringComparison.Ordinal));
        var (set, failed) = ImageEmbedder.Run(input, encoder, "test", batchSize: 2);
        Assert.Equal(3, set.Count);
        Assert.Equal("nested/broken.jpg", Assert.Single(failed).Name);
        Assert.All(set.Paths, p => Assert.StartsWith("nested/n", p, StringComparison.Ordinal));
    }

    [Fact]
    public void CosineSearch_RowsWithPlantedCopies_TopKAndDuplicateGroupsExact()
    {
        // 2,500 random unit vectors of 64 (so several chunks), rows 2,400+ near-copies of rows 0, 10, …, 990.
        var rng = new Random(5);
        int n = 2500, d = 64;
        var v = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            var row = v.AsSpan(i * d, d);
            if (i >= 2400) v.AsSpan((i - 2400) * 10 * d, d).CopyTo(row);
            for (int j = 0; j < d; j++) row[j] += (float)(rng.NextDouble() - 0.5) * (i >= 2400 ? 0.05f : 1f);
            float norm = MathF.Sqrt(row.ToArray().Sum(x => x * x));
            for (int j = 0; j < d; j++) row[j] /= norm;
        }
        var set = new EmbeddingSet(v, Enumerable.Range(0, n).Select(i => $"img{i}.png").ToList(), d, "test");
        using var search = new CosineSearch(set, torch.CPU);
        var hits = search.TopK(set.Row(2410), 3, exclude: 2410);
        Assert.Equal(100, hits[0].Index);
        Assert.True(hits[0].Score > 0.99f && hits[0].Score >= hits[1].Score && hits[1].Score >= hits[2].Score);
        var groups = search.Duplicates(0.95f);
        Assert.Equal(100, groups.Count);
        for (int g = 0; g < 100; g++) Assert.Equal([g * 10, 2400 + g], groups[g]);
    }
}
