namespace Nnclr.Data.Ingest;

/// <summary>Settings of one folder ingest; <see cref="Validate"/> checks them once, before any file is read.</summary>
public sealed class FolderIngestOptions
{
    /// <summary>Default megapixel limit: above any real camera photo (a 61 MP full-frame sensor fits), far below a bomb.</summary>
    public const double DefaultMaxMegapixels = 64;

    /// <summary>Raw format: output side in pixels (images are resized on the shorter side and centre-cropped), 1..4096.</summary>
    public int Size { get; init; }
    /// <summary>Any unusable file fails the whole ingest.</summary>
    public bool Strict { get; init; }
    /// <summary>Decode threads (≤ 0: all cores); the output bytes do not depend on it.</summary>
    public int MaxParallelism { get; init; } = -1;
    /// <summary>True: every image under the folder, at any depth, is one record with no label (one class "unlabelled").</summary>
    public bool Unlabelled { get; init; }
    /// <summary>Images whose header declares more than this many megapixels are skipped before decoding (> 0).</summary>
    public double MaxMegapixels { get; init; } = DefaultMaxMegapixels;
    /// <summary>Enumeration stops with an error past this many directory entries (files and folders), ≥ 1.</summary>
    public int MaxEntries { get; init; } = 20_000_000;
    /// <summary>Folders nested deeper than this below the input are not entered (listed in the report), ≥ 1.</summary>
    public int MaxDepth { get; init; } = 64;
    /// <summary>Seed of the order in which records are written (a seeded shuffle of each split); null keeps path order.</summary>
    public ulong? ShuffleSeed { get; init; } = 1;

    /// <summary>Raw: size×size HWC images (resized and centre-cropped). Jpeg: the original JPEG bytes when within MaxSide, else re-encoded.</summary>
    public Shards.ShardCodec Format { get; init; } = Shards.ShardCodec.Raw;
    /// <summary>Jpeg format: a JPEG whose longer side is ≤ this is kept as is; anything else is resized to this longer side and re-encoded (16..4096).</summary>
    public int MaxSide { get; init; } = 512;
    /// <summary>Jpeg format: quality of re-encoded images (1..100).</summary>
    public int Quality { get; init; } = 90;

    /// <summary>
    /// A labels file (relative path or unique end of it → class, see LabelsFile): a split it lists any image of is labelled
    /// from it at any depth (its unlisted images are skipped and reported); a split it does not mention keeps its class folders.
    /// </summary>
    public string? LabelsFile { get; init; }

    /// <summary>Checked between chunks of images: a stop request ends the ingest with its report written and no manifest.</summary>
    public CancellationToken Cancel { get; init; }

    /// <summary>Records per LZ4 block; 0 picks about 1 MiB of images per block.</summary>
    public int RecordsPerBlock { get; init; }

    /// <summary>Largest pixel count a decode may allocate for.</summary>
    public long MaxPixels => (long)(MaxMegapixels * 1_000_000);

    public void Validate()
    {
        if (Format == Shards.ShardCodec.Jpeg)
        {
            if (MaxSide < 16 || MaxSide > 4096) throw new IngestException($"--max-side {MaxSide} must be in 16..4096");
            if (Quality < 1 || Quality > 100) throw new IngestException($"--quality {Quality} must be in 1..100");
        }
        else if (Size < 1 || Size > 4096) throw new IngestException($"--size {Size} must be in 1..4096");
        if (!(MaxMegapixels > 0) || MaxMegapixels > 1_000) throw new IngestException($"--max-megapixels {MaxMegapixels} must be in (0, 1000]");
        if (MaxEntries < 1) throw new IngestException($"max entries {MaxEntries} must be ≥ 1");
        if (RecordsPerBlock < 0) throw new IngestException($"records per block {RecordsPerBlock} must be ≥ 0");
        if (LabelsFile is not null && Unlabelled) throw new IngestException("--labels and --unlabelled exclude each other");
        if (MaxDepth < 1) throw new IngestException($"max depth {MaxDepth} must be ≥ 1");
    }
}
