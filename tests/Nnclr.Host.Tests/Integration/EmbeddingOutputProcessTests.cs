using System.Text.Json;
using Nnclr.Model;

namespace Nnclr.Host.Tests.Integration;

/// <summary>Issue #28 point 6: what `duplicates` and `neighbors` print.</summary>
[Collection("train-process")]
public sealed class EmbeddingOutputProcessTests(DemoData demo) : IClassFixture<DemoData>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    /// <summary>`duplicates` JSON's "count" is the number of groups; the embeddings searched are "embeddings".</summary>
    [Fact]
    public async Task Duplicates_FiveEmbeddingsTwoPairs_CountIsGroupsImagesAndEmbeddingsNamed()
    {
        // a ≈ a2, b ≈ b2, c alone (unit vectors in 3-d).
        float[] v = [1, 0, 0, 0.999f, 0.045f, 0, 0, 1, 0, 0, 0.999f, 0.045f, 0, 0, 1];
        var file = Path.Combine(demo.Root, "dups-" + Guid.NewGuid().ToString("N")[..6] + ".npy");
        new EmbeddingSet(v, ["a.jpg", "a2.jpg", "b.jpg", "b2.jpg", "c.jpg"], 3, "test").Write(file);
        var output = Path.ChangeExtension(file, ".json");
        using var p = new NnclrProcess(demo.Root, "duplicates", "--embeddings", file, "--threshold", "0.99", "--out", output);
        Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("count").GetInt32());
        Assert.Equal(2, root.GetProperty("groups").GetArrayLength());
        Assert.Equal(4, root.GetProperty("images").GetInt32());
        Assert.Equal(5, root.GetProperty("embeddings").GetInt32());
    }

    /// <summary>
    /// `neighbors --query` runs one image (a batch of one) through the network: libtorch then asks NNPACK, which on a
    /// CPU it does not support printed "Could not initialize NNPACK! Reason: Unsupported hardware" once per convolution.
    /// </summary>
    [Fact]
    public async Task NeighborsQuery_OnePhoto_NoNnpackNoiseAndItselfFirst()
    {
        var photos = Directory.CreateDirectory(Path.Combine(demo.Root, "nn-photos-" + Guid.NewGuid().ToString("N")[..6])).FullName;
        foreach (var f in Directory.GetFiles(TinyImagenetLayout.SharedPhotos(), "*.JPEG").Order(StringComparer.Ordinal).Take(6))
            File.CreateSymbolicLink(Path.Combine(photos, Path.GetFileName(f)), f);
        var weights = Path.Combine(demo.Root, "nn-random-" + Guid.NewGuid().ToString("N")[..6] + ".safetensors");
        var embeddings = Path.ChangeExtension(weights, ".npy");
        foreach (var args in new[] { new[] { "export", "--random-init", "--arch", "tiny", "--out", weights },
                                     ["embed", "--checkpoint", weights, "--images", photos, "--out", embeddings] })
        {
            using var step = new NnclrProcess(demo.Root, args);
            Assert.True(await step.WaitAsync(Limit) == 0, step.Output);
        }
        var query = Directory.GetFiles(photos).Order(StringComparer.Ordinal).First();
        using var p = new NnclrProcess(demo.Root, "neighbors", "--embeddings", embeddings, "--query", query, "--checkpoint", weights, "--k", "2");
        Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
        Assert.DoesNotContain("NNPACK", p.Output);
        Assert.Contains("#0  " + Path.GetFileName(query), p.Output);
    }
}
