namespace Nnclr.Data.Ingest;

/// <summary>What an ingest wrote and what it skipped.</summary>
public sealed class IngestReport
{
    public string OutputDir { get; init; } = "";
    public string Name { get; init; } = "";
    /// <summary>Records written per split.</summary>
    public IReadOnlyDictionary<string, int> Written { get; init; } = new Dictionary<string, int>();
    /// <summary>Input files not written, in input order (never silently dropped).</summary>
    public IReadOnlyList<SkippedFile> Skipped { get; init; } = [];
    /// <summary>What looks wrong about the labels (a class folder named like a plain sub-folder, test classes train lacks), in order.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>The report file written beside the shards, or null.</summary>
    public string? ReportPath { get; init; }
    public TimeSpan Elapsed { get; init; }
    /// <summary>Jpeg format: records re-encoded (not a JPEG, or larger than --max-side); the rest kept their bytes.</summary>
    public int Reencoded { get; init; }
    /// <summary>Sum of the shard files' sizes, or 0 when not known.</summary>
    public long StoredBytes { get; init; }
}
