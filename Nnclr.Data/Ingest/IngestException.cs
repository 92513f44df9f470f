namespace Nnclr.Data.Ingest;

/// <summary>An ingest that failed as a whole (bad source, or skipped files under --strict); nothing was left looking complete.</summary>
public sealed class IngestException : Exception
{
    public IReadOnlyList<SkippedFile> Skipped { get; }
    public IngestException(string message, IReadOnlyList<SkippedFile>? skipped = null) : base(message) => Skipped = skipped ?? [];
}
