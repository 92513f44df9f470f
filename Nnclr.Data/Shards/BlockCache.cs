using System.Buffers.Binary;

namespace Nnclr.Data.Shards;

/// <summary>
/// One decoded block held for reuse: images then uint16 labels, as ShardReader.DecodeBlock writes them; or a jpeg
/// block as ShardReader.DecodeJpegBlock leaves it, with its records' offsets.
/// </summary>
internal sealed class BlockCache(int rawBytes, int recordsPerBlock = 0)
{
    // Jpeg: record i's bytes are Raw[DataOffsets[i]..DataOffsets[i+1]); empty for raw blocks.
    public readonly int[] DataOffsets = new int[recordsPerBlock == 0 ? 0 : recordsPerBlock + 1];
    // Jpeg: record i's UTF-8 path is Raw[PathOffsets[i]..PathOffsets[i+1]); empty for raw blocks.
    public readonly int[] PathOffsets = new int[recordsPerBlock == 0 ? 0 : recordsPerBlock + 1];
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

    /// <summary>Jpeg: copies record <paramref name="slot"/>'s encoded bytes into <paramref name="dst"/>; returns (length, label).</summary>
    public (int Length, int Label) CopyEncoded(int slot, Span<byte> dst)
    {
        int start = DataOffsets[slot], length = DataOffsets[slot + 1] - start;
        if (dst.Length < length) throw new ArgumentException($"buffer of {dst.Length} bytes is smaller than record {slot} ({length} bytes)");
        Raw.AsSpan(start, length).CopyTo(dst);
        return (length, JpegBlockLayout.Label(Raw, Count, slot));
    }

    /// <summary>Jpeg: record <paramref name="slot"/>'s path relative to the ingested folder.</summary>
    public string PathOf(int slot) => System.Text.Encoding.UTF8.GetString(Raw.AsSpan(PathOffsets[slot], PathOffsets[slot + 1] - PathOffsets[slot]));
}
