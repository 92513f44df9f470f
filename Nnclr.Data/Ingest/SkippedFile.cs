namespace Nnclr.Data.Ingest;

/// <summary>An input file an ingest could not use, and why.</summary>
public sealed record SkippedFile(string Path, string Reason);
