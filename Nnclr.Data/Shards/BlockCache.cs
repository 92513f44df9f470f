using System.Buffers.Binary;

namespace Nnclr.Data.Shards;

/// <summary>One decoded block held for reuse: images then uint16 labels, as ShardReader.DecodeBlock writes them.</summary>
internal sealed class BlockCache(int rawBytes)
{
    // Decoded bytes; valid for Block when Block ≥ 0.
    public readonly byte[] Raw = new byte[rawBytes];
    // Global block held, or -1 when empty.
    public int Block = -1;
    // Records in Block.
    public int Count;
    // Last use, for least-recently-used eviction.
    public long LastUse;

    /// <summary>Copies record <paramref name="slot"/>'s image into <paramref name="dst"/>; returns its label.</summary>
    public int Copy(int slot, int imageBytes, Span<byte> dst)
    {
        Raw.AsSpan(slot * imageBytes, imageBytes).CopyTo(dst);
        return BinaryPrimitives.ReadUInt16LittleEndian(Raw.AsSpan(Count * imageBytes + slot * 2));
    }
}
