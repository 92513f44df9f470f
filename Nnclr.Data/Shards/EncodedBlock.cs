namespace Nnclr.Data.Shards;

/// <summary>One LZ4-compressed block ready to be appended to a shard.</summary>
/// <param name="Data">Compressed bytes (exactly the stored payload).</param>
/// <param name="Count">Records in the block, ≥ 1.</param>
/// <param name="Hash">xxHash64 of <paramref name="Data"/>.</param>
/// <param name="RawBytes">Decoded size: images plus uint16 labels.</param>
public readonly record struct EncodedBlock(byte[] Data, int Count, ulong Hash, int RawBytes);
