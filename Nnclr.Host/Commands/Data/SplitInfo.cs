namespace Nnclr.Host.Commands.Data;

/// <summary>One split as `nnclr shards info` reports it.</summary>
internal sealed record SplitInfo(
    string Name, int Count, int Shards, int Blocks, IReadOnlyList<ClassCount> ClassCounts,
    long StoredBytes, long RawBytes, double CompressionRatio, FirstRecord FirstRecord, bool Verified);
