using System.Buffers.Binary;

namespace Nnclr.Data.Shards;

/// <summary>
/// Byte layout of a shard file (see docs/shard-format.md). All integers little-endian.
/// Header (64 bytes) | blocks (LZ4 for raw, as is for jpeg) | index (24 bytes per block) | xxHash64 of the index (8 bytes).
/// </summary>
internal static class ShardLayout
{
    /// <summary>Version of raw-codec shards and manifests (unchanged since the first format).</summary>
    public const int Version = 1;
    /// <summary>Version of jpeg-codec shards and manifests: variable-length records.</summary>
    public const int VersionJpeg = 2;
    /// <summary>Largest decoded block of a jpeg dataset this build reads (untrusted manifest value, checked before any buffer is sized from it).</summary>
    public const int MaxJpegBlockBytes = 512 << 20;
    public const int HeaderBytes = 64;
    public const int IndexEntryBytes = 24;
    public const int LabelBytes = 2;
    public const string ManifestFile = "manifest.json";
    public static ReadOnlySpan<byte> Magic => "NNCLRSHD"u8;

    /// <summary>Decoded size of a block of <paramref name="records"/> records: images, then one uint16 label each.</summary>
    public static int RawBlockBytes(int records, int imageBytes) => records * (imageBytes + LabelBytes);

    /// <summary>xxHash64 of a per-class record histogram (int32 LE each), stored in the shard header so that an edited manifest is caught at open; 0 = not recorded.</summary>
    public static ulong ClassHash(ReadOnlySpan<int> classCounts)
    {
        Span<byte> bytes = classCounts.Length <= 4096 ? stackalloc byte[classCounts.Length * 4] : new byte[classCounts.Length * 4];
        for (int i = 0; i < classCounts.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes[(i * 4)..], classCounts[i]);
        ulong h = K4os.Hash.xxHash.XXH64.DigestOf(bytes);
        return h == 0 ? 1 : h;
    }

    public static int VersionOf(ShardCodec codec) => codec == ShardCodec.Jpeg ? VersionJpeg : Version;

    public static void WriteHeader(Span<byte> h, int height, int width, int count, int recordsPerBlock, int blockCount, long indexOffset, ulong classHash = 0,
        ShardCodec codec = ShardCodec.Raw)
    {
        h.Clear();
        Magic.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)VersionOf(codec));
        BinaryPrimitives.WriteUInt32LittleEndian(h[36..], (uint)codec);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], (uint)height);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], (uint)width);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], 3);
        BinaryPrimitives.WriteUInt32LittleEndian(h[24..], (uint)count);
        BinaryPrimitives.WriteUInt32LittleEndian(h[28..], (uint)recordsPerBlock);
        BinaryPrimitives.WriteUInt32LittleEndian(h[32..], (uint)blockCount);
        BinaryPrimitives.WriteUInt64LittleEndian(h[40..], (ulong)indexOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(h[48..], classHash);
        BinaryPrimitives.WriteUInt64LittleEndian(h[56..], K4os.Hash.xxHash.XXH64.DigestOf(h[..56]));
    }
}
