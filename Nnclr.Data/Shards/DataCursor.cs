namespace Nnclr.Data.Shards;

/// <summary>Where a reader stands: <paramref name="Position"/> is the index into epoch <paramref name="Epoch"/>'s permutation.</summary>
public readonly record struct DataCursor(long Epoch, long Position);
