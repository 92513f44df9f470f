using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;

namespace Nnclr.Data.Tests.Ingest;

public sealed class DemoDatasetTests
{
    [Fact]
    public void Generate_Default_IsBalancedAndComplete()
    {
        using var tmp = new TempDir();
        DemoDataset.Generate(tmp.Path);
        Assert.True(DemoDataset.Exists(tmp.Path));
        using var train = ShardDataset.Open(tmp.Path, "train");
        using var test = ShardDataset.Open(tmp.Path, "test");
        Assert.Equal((10_000, 2_000, 10), (train.Count, test.Count, train.Classes.Count));
        Assert.All(train.Manifest.FindSplit("train")!.ClassCounts, c => Assert.Equal(1000, c));
        Assert.All(train.Manifest.FindSplit("test")!.ClassCounts, c => Assert.Equal(200, c));
    }

    [Fact]
    public void Generate_SameSeed_SameBytes_OtherSeed_OtherBytes()
    {
        using var tmp = new TempDir();
        DemoDataset.Generate(tmp.Sub("a"), 300, 50, seed: 4);
        DemoDataset.Generate(tmp.Sub("b"), 300, 50, seed: 4);
        DemoDataset.Generate(tmp.Sub("c"), 300, 50, seed: 5);
        byte[] Read(string d) => File.ReadAllBytes(Path.Combine(tmp.Sub(d), "train-00000.shard"));
        Assert.Equal(Read("a"), Read("b"));
        Assert.NotEqual(Read("a"), Read("c"));
    }

    [Fact]
    public void Generate_Classes_AreVariedWithinAndDistinctBetween()
    {
        using var tmp = new TempDir();
        DemoDataset.Generate(tmp.Path, 1000, 10);
        using var ds = ShardDataset.Open(tmp.Path, "train");
        // Per class: mean absolute horizontal and vertical pixel differences (structure), which separate stripes, gradients, shapes.
        var features = new double[10][];
        var img = new byte[ds.ImageBytes];
        var sums = new double[10, 2]; var counts = new int[10];
        var distinctImages = new HashSet<string>();
        for (int i = 0; i < ds.Count; i++)
        {
            int label = ds.ReadRecord(i, img);
            distinctImages.Add(Convert.ToHexString(img));
            double dx = 0, dy = 0;
            for (int y = 0; y < 31; y++) for (int x = 0; x < 31; x++) for (int c = 0; c < 3; c++)
            {
                dx += Math.Abs(img[(y * 32 + x + 1) * 3 + c] - img[(y * 32 + x) * 3 + c]);
                dy += Math.Abs(img[((y + 1) * 32 + x) * 3 + c] - img[(y * 32 + x) * 3 + c]);
            }
            sums[label, 0] += dx; sums[label, 1] += dy; counts[label]++;
        }
        Assert.Equal(ds.Count, distinctImages.Count);
        for (int k = 0; k < 10; k++) features[k] = [sums[k, 0] / counts[k], sums[k, 1] / counts[k]];
        // Horizontal stripes change along y far more than along x; vertical stripes the reverse; "plain" (a gradient
        // with noise) changes least in both; every textured class changes more than it.
        Assert.True(features[0][1] > 2 * features[0][0], $"horizontal stripes: {features[0][0]:F0} / {features[0][1]:F0}");
        Assert.True(features[1][0] > 2 * features[1][1], $"vertical stripes: {features[1][0]:F0} / {features[1][1]:F0}");
        for (int k = 0; k < 9; k++)
            Assert.True(features[k][0] + features[k][1] > 1.5 * (features[9][0] + features[9][1]), $"class {k} is not more textured than plain");
    }

    [Fact]
    public void Exists_WithoutManifest_IsFalse()
    {
        using var tmp = new TempDir();
        Assert.False(DemoDataset.Exists(tmp.Path));
        DemoDataset.Generate(tmp.Path, 100, 20);
        Assert.True(DemoDataset.Exists(tmp.Path));
        File.Delete(Path.Combine(tmp.Path, "manifest.json"));
        Assert.False(DemoDataset.Exists(tmp.Path));
    }

    [Fact]
    public void EnsureCurrent_EarlierDemoVersion_IsReplacedButForeignDatasetIsKept()
    {
        using var tmp = new TempDir();
        DemoDataset.Generate(tmp.Path, 100, 20);
        var manifestPath = Path.Combine(tmp.Path, "manifest.json");
        File.WriteAllText(manifestPath, File.ReadAllText(manifestPath).Replace("nnclr demo dataset v2 (textures)", "nnclr demo dataset"));
        Assert.False(DemoDataset.Exists(tmp.Path));
        var lines = new List<string>();
        Assert.True(DemoDataset.EnsureCurrent(tmp.Path, 100, 20, lines.Add));
        Assert.Contains(lines, l => l.Contains("earlier version"));
        Assert.True(DemoDataset.Exists(tmp.Path));
        Assert.False(DemoDataset.EnsureCurrent(tmp.Path, 100, 20, lines.Add)); // current: left alone

        File.WriteAllText(manifestPath, File.ReadAllText(manifestPath).Replace("\"demo\"", "\"mine\""));
        var before = File.ReadAllBytes(manifestPath);
        Assert.ThrowsAny<IOException>(() => DemoDataset.EnsureCurrent(tmp.Path, 100, 20, _ => { }));
        Assert.Equal(before, File.ReadAllBytes(manifestPath)); // someone else's dataset is never deleted
    }
}
