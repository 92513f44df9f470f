namespace Nnclr.Data.Shards;

/// <summary>The model of a dataset folder's manifest.json, written last by an ingest: its presence means the dataset is complete.</summary>
public sealed class DatasetManifest
{
    /// <summary>Shard format version: 1 for the raw codec, 2 for jpeg; this build reads both.</summary>
    public int FormatVersion { get; init; } = ShardLayout.Version;
    /// <summary>"raw" (fixed-size HWC images, LZ4) or "jpeg" (variable-length JPEG records with source paths). Absent: raw.</summary>
    public string Codec { get; init; } = "raw";
    /// <summary>Jpeg codec: largest record in bytes (sizes the pipeline's per-sample byte slots); 0 for raw.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public int MaxRecordBytes { get; init; }
    /// <summary>Jpeg codec: largest block in bytes (sizes the reader's block buffers); 0 for raw.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public int MaxBlockBytes { get; init; }
    public string Name { get; init; } = "";
    /// <summary>Class names, indexed by label.</summary>
    public IReadOnlyList<string> Classes { get; init; } = [];
    /// <summary>Raw: every image's height. Jpeg: the largest side any stored image may have (the ingest's --max-side), also Width.</summary>
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

    /// <summary>The record codec named by <see cref="Codec"/>.</summary>
    public ShardCodec CodecKind => Codec == "jpeg" ? ShardCodec.Jpeg : ShardCodec.Raw;

    /// <summary>The split named <paramref name="name"/>, or null.</summary>
    public SplitManifest? FindSplit(string name) => Splits.FirstOrDefault(s => s.Name == name);
}
