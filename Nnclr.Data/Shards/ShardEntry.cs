namespace Nnclr.Data.Shards;

/// <summary>One shard file of a split, as listed in the manifest.</summary>
public sealed class ShardEntry
{
    /// <summary>File name relative to the dataset folder.</summary>
    public string File { get; init; } = "";
    /// <summary>Records in the file; a multiple of the manifest's RecordsPerBlock except in a split's last shard.</summary>
    public int Count { get; init; }
    /// <summary>Index in the split of the shard's first record.</summary>
    public long FirstRecord { get; init; }
    /// <summary>Size of the file in bytes (compressed).</summary>
    public long Bytes { get; init; }
    /// <summary>Decoded size of its blocks in bytes (images and labels).</summary>
    public long RawBytes { get; init; }
    /// <summary>Records per class in this shard (its hash is in the shard header); empty in datasets written before it was kept.</summary>
    public IReadOnlyList<int> ClassCounts { get; init; } = [];
}
