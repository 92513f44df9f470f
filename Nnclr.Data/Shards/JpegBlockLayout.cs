using System.Buffers.Binary;

namespace Nnclr.Data.Shards;

/// <summary>
/// Decoded layout of a block of a jpeg-codec shard (docs/shard-format.md): n uint32 record lengths, n uint16 labels,
/// n uint16 path lengths, then the records' JPEG bytes back to back, then their UTF-8 relative paths back to back.
/// </summary>
internal static class JpegBlockLayout
{
    /// <summary>Bytes before the first record's data: 4 + 2 + 2 per record.</summary>
    public static int TableBytes(int n) => n * 8;

    public static int RecordLength(ReadOnlySpan<byte> raw, int i) => (int)BinaryPrimitives.ReadUInt32LittleEndian(raw[(i * 4)..]);
    public static int Label(ReadOnlySpan<byte> raw, int n, int i) => BinaryPrimitives.ReadUInt16LittleEndian(raw[(n * 4 + i * 2)..]);
    public static int PathLength(ReadOnlySpan<byte> raw, int n, int i) => BinaryPrimitives.ReadUInt16LittleEndian(raw[(n * 6 + i * 2)..]);

    /// <summary>
    /// Checks a decoded block of <paramref name="n"/> records and fills <paramref name="dataOffsets"/>[0..n] (record i's
    /// bytes are [dataOffsets[i], dataOffsets[i+1])) and <paramref name="pathOffsets"/>[0..n]; returns null, or what is wrong.
    /// </summary>
    public static string? Parse(ReadOnlySpan<byte> raw, int n, int classCount, int maxRecordBytes, Span<int> dataOffsets, Span<int> pathOffsets)
    {
        if (raw.Length < TableBytes(n)) return $"{raw.Length} bytes cannot hold the table of {n} records";
        long pos = TableBytes(n);
        for (int i = 0; i < n; i++)
        {
            long len = BinaryPrimitives.ReadUInt32LittleEndian(raw[(i * 4)..]);
            if (len == 0 || len > maxRecordBytes) return $"record {i}: length {len} outside 1..{maxRecordBytes} (manifest maxRecordBytes)";
            int label = Label(raw, n, i);
            if (label >= classCount) return $"record {i}: label {label} ≥ class count {classCount}";
            dataOffsets[i] = (int)pos;
            pos += len;
            if (pos > raw.Length) return $"record {i}: data runs past the block's {raw.Length} bytes";
        }
        dataOffsets[n] = (int)pos;
        for (int i = 0; i < n; i++)
        {
            pathOffsets[i] = (int)pos;
            pos += PathLength(raw, n, i);
            if (pos > raw.Length) return $"record {i}: path runs past the block's {raw.Length} bytes";
        }
        pathOffsets[n] = (int)pos;
        return pos == raw.Length ? null : $"{raw.Length - pos} unexpected bytes after the last path";
    }

    /// <summary>Lays out records into one block (ingest only; allocates).</summary>
    public static byte[] Build(IReadOnlyList<(byte[] Data, int Label, byte[] Path)> records)
    {
        int n = records.Count;
        long total = TableBytes(n) + records.Sum(r => (long)r.Data.Length + r.Path.Length);
        if (total > int.MaxValue / 2) throw new ArgumentException($"a block of {n} records would be {total} bytes");
        var raw = new byte[total];
        int pos = TableBytes(n);
        for (int i = 0; i < n; i++)
        {
            var (data, label, path) = records[i];
            if ((uint)label > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(records), $"label {label} of record {i} does not fit uint16");
            if (path.Length > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(records), $"path of record {i} is {path.Length} bytes, over 65535");
            BinaryPrimitives.WriteUInt32LittleEndian(raw.AsSpan(i * 4), (uint)data.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(raw.AsSpan(n * 4 + i * 2), (ushort)label);
            BinaryPrimitives.WriteUInt16LittleEndian(raw.AsSpan(n * 6 + i * 2), (ushort)path.Length);
            data.CopyTo(raw, pos);
            pos += data.Length;
        }
        foreach (var r in records) { r.Path.CopyTo(raw, pos); pos += r.Path.Length; }
        return raw;
    }
}
