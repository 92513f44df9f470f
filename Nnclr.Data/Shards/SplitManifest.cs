namespace Nnclr.Data.Shards;

/// <summary>One split ("train", "test") of a dataset: its record count, class histogram and shard files.</summary>
public sealed class SplitManifest
{
    public string Name { get; init; } = "";
    /// <summary>Records in the split; equals the sum of the shards' counts.</summary>
    public int Count { get; init; }
    /// <summary>Records per class, indexed by label; sums to Count.</summary>
    public IReadOnlyList<int> ClassCounts { get; init; } = [];
    /// <summary>False for a split whose records carry no real label (every label 0): no kNN or NN-accuracy on it. Absent in older manifests: true.</summary>
    public bool Labelled { get; init; } = true;
    /// <summary>Per-channel (R, G, B) mean of the split's pixels in [0, 1], computed at ingest; empty in older manifests.</summary>
    public IReadOnlyList<double> Mean { get; init; } = [];
    /// <summary>Per-channel standard deviation of the split's pixels in [0, 1], computed at ingest; empty in older manifests.</summary>
    public IReadOnlyList<double> Std { get; init; } = [];
    /// <summary>Shard files in record order.</summary>
    public IReadOnlyList<ShardEntry> Shards { get; init; } = [];
}
