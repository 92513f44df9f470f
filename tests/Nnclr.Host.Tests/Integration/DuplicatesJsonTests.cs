using System.Text.Json;
using Nnclr.Model;

namespace Nnclr.Host.Tests.Integration;

/// <summary>Issue #28 point 6: `duplicates` JSON's "count" is the number of groups; the embeddings searched are "embeddings".</summary>
[Collection("train-process")]
public sealed class DuplicatesJsonTests(DemoData demo) : IClassFixture<DemoData>
{
    [Fact]
    public async Task Duplicates_FiveEmbeddingsTwoPairs_CountIsGroupsImagesAndEmbeddingsNamed()
    {
        // a ≈ a2, b ≈ b2, c alone (unit vectors in 3-d).
        float[] v = [1, 0, 0, 0.999f, 0.045f, 0, 0, 1, 0, 0, 0.999f, 0.045f, 0, 0, 1];
        var file = Path.Combine(demo.Root, "dups-" + Guid.NewGuid().ToString("N")[..6] + ".npy");
        new EmbeddingSet(v, ["a.jpg", "a2.jpg", "b.jpg", "b2.jpg", "c.jpg"], 3, "test").Write(file);
        var output = Path.ChangeExtension(file, ".json");
        using var p = new NnclrProcess(demo.Root, "duplicates", "--embeddings", file, "--threshold", "0.99", "--out", output);
        Assert.True(await p.WaitAsync(TimeSpan.FromMinutes(3)) == 0, p.Output);
        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("count").GetInt32());
        Assert.Equal(2, root.GetProperty("groups").GetArrayLength());
        Assert.Equal(4, root.GetProperty("images").GetInt32());
        Assert.Equal(5, root.GetProperty("embeddings").GetInt32());
    }
}
