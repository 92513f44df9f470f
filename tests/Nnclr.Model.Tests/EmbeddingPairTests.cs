namespace Nnclr.Model.Tests;

/// <summary>
/// Issue 26 case 4: an .npy and its paths file are one output. A write stopped between the two renames (as a kill
/// there leaves it) and a pair one of whose files was replaced are refused on reading; a whole write reads back.
/// </summary>
public sealed class EmbeddingPairTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"nnclr-pair-{Guid.NewGuid():N}");

    public EmbeddingPairTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static EmbeddingSet Set(string prefix, int n) =>
        new(Enumerable.Range(0, n * 4).Select(i => (float)i).ToArray(), Enumerable.Range(0, n).Select(i => $"{prefix}{i}.jpg").ToList(), 4, "test");

    private sealed class Killed : Exception;

    [Fact]
    public void StoppedBetweenTheRenames_ReaderRefusesTheMixedPair()
    {
        var npy = Path.Combine(_dir, "out.npy");
        Set("old", 3).Write(npy);
        Assert.Equal("old0.jpg", EmbeddingSet.Read(npy).Paths[0]);
        // The new .npy is in place, the old paths file still is: exactly what a kill between the renames leaves.
        Assert.Throws<Killed>(() => Set("new", 3).Write(npy, f => { if (f.EndsWith(".npy", StringComparison.Ordinal)) throw new Killed(); }));
        Assert.Equal("old0.jpg", File.ReadLines(EmbeddingSet.PathsFileFor(npy)).First());
        var e = Assert.Throws<WeightsFormatException>(() => EmbeddingSet.Read(npy));
        Assert.Contains("was being written", e.Message, StringComparison.Ordinal);

        Set("new", 3).Write(npy); // written again: a pair
        Assert.Equal("new0.jpg", EmbeddingSet.Read(npy).Paths[0]);
    }

    [Fact]
    public void OneFileReplacedWithoutTheOther_Refused()
    {
        var npy = Path.Combine(_dir, "out.npy");
        Set("a", 2).Write(npy);
        var oldPaths = File.ReadAllBytes(EmbeddingSet.PathsFileFor(npy));
        Set("b", 2).Write(npy);
        File.WriteAllBytes(EmbeddingSet.PathsFileFor(npy), oldPaths); // same row count, other files
        var e = Assert.Throws<WeightsFormatException>(() => EmbeddingSet.Read(npy));
        Assert.Contains("are not the pair", e.Message, StringComparison.Ordinal);
    }
}
