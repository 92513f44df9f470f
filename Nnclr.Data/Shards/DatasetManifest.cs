namespace Nnclr.Data.Shards;

/// <summary>The model of a dataset folder's manifest.json, written last by an ingest: its presence means the dataset is complete.</summary>
public sealed class DatasetManifest
{
    /// <summary>Shard format version; this build reads 1.</summary>
    public int FormatVersion { get; init; } = ShardLayout.Version;
    public string Name { get; init; } = "";
    /// <summary>Class names, indexed by label.</summary>
    public IReadOnlyList<string> Classes { get; init; } = [];
    public int Height { get; init; }
    public int Width { get; init; }
    /// <summary>Always 3: images are HWC uint8 RGB.</summary>
    public int Channels { get; init; } = 3;
    /// <summary>Records per LZ4 block in every shard (the last block of a shard may hold fewer).</summary>
    public int RecordsPerBlock { get; init; }
    public IReadOnlyList<SplitManifest> Splits { get; init; } = [];
    /// <summary>False when no split carries real labels (see SplitManifest.Labelled): no kNN, no NN-accuracy. Absent in older manifests: true.</summary>
    public bool Labelled { get; init; } = true;
    /// <summary>Free-form provenance (source path, tool); not interpreted.</summary>
    public string Source { get; init; } = "";

    /// <summary>The split named <paramref name="name"/>, or null.</summary>
    public SplitManifest? FindSplit(string name) => Splits.FirstOrDefault(s => s.Name == name);
}
