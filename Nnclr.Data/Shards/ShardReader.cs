using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using K4os.Compression.LZ4;
using K4os.Hash.xxHash;

namespace Nnclr.Data.Shards;

/// <summary>
/// One memory-mapped shard file. Opening checks magic, version, header and index checksums and that every
/// block lies inside the file; <see cref="DecodeBlock"/> checks the block's xxHash64 and decodes it into a
/// caller's buffer. Thread-safe: the mapping is read-only and no state changes after construction.
/// </summary>
public sealed unsafe class ShardReader : IDisposable
{
    // The mapping and its view; null after Dispose.
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _view;
    // First byte of the mapped file; valid while _view is alive.
    private readonly byte* _base;
    // Index entries, validated: contiguous, inside the file, counts summing to Count.
    private readonly long[] _offsets;
    private readonly int[] _lengths;
    private readonly int[] _counts;
    private readonly ulong[] _hashes;

    public string Path { get; }
    public string FileName => System.IO.Path.GetFileName(Path);
    public int Height { get; }
    public int Width { get; }
    public int ImageBytes { get; }
    public int Count { get; }
    public int RecordsPerBlock { get; }
    public int BlockCount => _counts.Length;
    public long FileBytes { get; }
    /// <summary>Hash of the shard's class histogram from the header (ShardLayout.ClassHash); 0 in shards written before it was kept.</summary>
    public ulong ClassHash { get; }
    /// <summary>Record codec from the header: raw (version 1) or jpeg (version 2).</summary>
    public ShardCodec Codec { get; }
    /// <summary>Largest block's decoded size (raw: a full block; jpeg: its stored length, blocks are not compressed).</summary>
    public int MaxBlockRawBytes { get; }

    public ShardReader(string path)
    {
        Path = path;
        if (!File.Exists(path)) throw Fail("file is missing");
        FileBytes = new FileInfo(path).Length;
        if (FileBytes < ShardLayout.HeaderBytes) throw Fail($"truncated: {FileBytes} bytes, shorter than the {ShardLayout.HeaderBytes}-byte header");
        _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
        try
        {
            var h = new ReadOnlySpan<byte>(_base, ShardLayout.HeaderBytes);
            if (!h[..8].SequenceEqual(ShardLayout.Magic)) throw Fail("bad magic: not an nnclr shard file");
            uint version = BinaryPrimitives.ReadUInt32LittleEndian(h[8..]);
            if (version != ShardLayout.Version && version != ShardLayout.VersionJpeg)
                throw Fail($"unsupported format version {version} (this build reads versions {ShardLayout.Version} and {ShardLayout.VersionJpeg})");
            ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(h[56..]);
            ulong computed = XXH64.DigestOf(h[..56]);
            if (stored != computed) throw Fail($"header checksum mismatch (stored {stored:x16}, computed {computed:x16})");
            Height = (int)BinaryPrimitives.ReadUInt32LittleEndian(h[12..]);
            Width = (int)BinaryPrimitives.ReadUInt32LittleEndian(h[16..]);
            uint channels = BinaryPrimitives.ReadUInt32LittleEndian(h[20..]);
            Count = (int)BinaryPrimitives.ReadUInt32LittleEndian(h[24..]);
            RecordsPerBlock = (int)BinaryPrimitives.ReadUInt32LittleEndian(h[28..]);
            int blocks = (int)BinaryPrimitives.ReadUInt32LittleEndian(h[32..]);
            long indexOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(h[40..]);
            ClassHash = BinaryPrimitives.ReadUInt64LittleEndian(h[48..]);
            uint codec = BinaryPrimitives.ReadUInt32LittleEndian(h[36..]);
            if (codec != (version == ShardLayout.VersionJpeg ? (uint)ShardCodec.Jpeg : (uint)ShardCodec.Raw))
                throw Fail($"implausible header: codec {codec} in a version {version} shard");
            Codec = (ShardCodec)codec;
            if (channels != 3 || Height <= 0 || Width <= 0 || Height > 1 << 14 || Width > 1 << 14 || RecordsPerBlock <= 0 || blocks < 0 || Count < 0)
                throw Fail($"implausible header: {Height}x{Width}x{channels}, {Count} records, {blocks} blocks of {RecordsPerBlock}");
            ImageBytes = Height * Width * 3;
            long end = indexOffset + (long)blocks * ShardLayout.IndexEntryBytes + 8;
            if (indexOffset < ShardLayout.HeaderBytes || end > FileBytes)
                throw Fail($"truncated: {FileBytes} bytes, but the header places the index at {indexOffset}..{end}");
            if (end < FileBytes) throw Fail($"{FileBytes - end} unexpected bytes after the index");
            var index = new ReadOnlySpan<byte>(_base + indexOffset, blocks * ShardLayout.IndexEntryBytes);
            ulong indexHash = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(_base + indexOffset + index.Length, 8));
            if (indexHash != XXH64.DigestOf(index)) throw Fail("index checksum mismatch");
            (_offsets, _lengths, _counts, _hashes) = (new long[blocks], new int[blocks], new int[blocks], new ulong[blocks]);
            long expectedOffset = ShardLayout.HeaderBytes, records = 0;
            for (int b = 0; b < blocks; b++)
            {
                var e = index[(b * ShardLayout.IndexEntryBytes)..];
                _offsets[b] = (long)BinaryPrimitives.ReadUInt64LittleEndian(e);
                _lengths[b] = (int)BinaryPrimitives.ReadUInt32LittleEndian(e[8..]);
                _counts[b] = (int)BinaryPrimitives.ReadUInt32LittleEndian(e[12..]);
                _hashes[b] = BinaryPrimitives.ReadUInt64LittleEndian(e[16..]);
                if (_offsets[b] != expectedOffset || _lengths[b] <= 0 || _offsets[b] + _lengths[b] > indexOffset)
                    throw Fail($"block {b}: index entry out of range (offset {_offsets[b]}, length {_lengths[b]}; blocks span {ShardLayout.HeaderBytes}..{indexOffset})");
                bool last = b == blocks - 1;
                if (_counts[b] <= 0 || _counts[b] > RecordsPerBlock || (!last && _counts[b] != RecordsPerBlock))
                    throw Fail($"block {b}: {_counts[b]} records, expected {(last ? "1.." : "")}{RecordsPerBlock}");
                expectedOffset += _lengths[b];
                records += _counts[b];
            }
            MaxBlockRawBytes = Codec == ShardCodec.Jpeg ? (blocks == 0 ? 0 : _lengths.Max()) : ShardLayout.RawBlockBytes(RecordsPerBlock, ImageBytes);
            if (expectedOffset != indexOffset) throw Fail($"blocks end at {expectedOffset} but the index starts at {indexOffset}");
            if (records != Count) throw Fail($"index holds {records} records, header says {Count}");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Records in block <paramref name="block"/>.</summary>
    public int BlockRecords(int block) => _counts[block];

    /// <summary>Compressed bytes of block <paramref name="block"/>.</summary>
    public int BlockStoredBytes(int block) => _lengths[block];

    /// <summary>Decoded bytes of block <paramref name="block"/>: images then uint16 labels.</summary>
    public int BlockRawBytes(int block) => Codec == ShardCodec.Jpeg ? _lengths[block] : ShardLayout.RawBlockBytes(_counts[block], ImageBytes);

    /// <summary>
    /// Verifies and decodes block <paramref name="block"/> into <paramref name="raw"/> (≥ BlockRawBytes):
    /// images (HWC, record after record) followed by one little-endian uint16 label per record.
    /// Labels ≥ <paramref name="classCount"/> are rejected. Allocates nothing. Raw codec only.
    /// </summary>
    public void DecodeBlock(int block, Span<byte> raw, int classCount)
    {
        if (Codec != ShardCodec.Raw) throw new InvalidOperationException($"{Path}: a jpeg shard's blocks are read with DecodeJpegBlock");
        if (_view is null) throw new ObjectDisposedException(Path);
        if ((uint)block >= (uint)_counts.Length) throw Fail($"block {block} out of range (shard has {_counts.Length} blocks)");
        var src = new ReadOnlySpan<byte>(_base + _offsets[block], _lengths[block]);
        ulong computed = XXH64.DigestOf(src);
        if (computed != _hashes[block]) throw Fail($"block {block}: checksum mismatch (stored {_hashes[block]:x16}, computed {computed:x16})");
        int n = _counts[block], rawBytes = ShardLayout.RawBlockBytes(n, ImageBytes);
        if (raw.Length < rawBytes) throw new ArgumentException($"buffer of {raw.Length} bytes is too small for block {block} ({rawBytes} bytes)");
        int decoded = LZ4Codec.Decode(src, raw[..rawBytes]);
        if (decoded != rawBytes) throw Fail($"block {block}: LZ4 data decodes to {decoded} bytes, expected {rawBytes}");
        var labels = raw.Slice(n * ImageBytes, n * ShardLayout.LabelBytes);
        for (int i = 0; i < n; i++)
        {
            int label = BinaryPrimitives.ReadUInt16LittleEndian(labels[(i * 2)..]);
            if (label >= classCount) throw Fail($"block {block} record {i}: label {label} ≥ class count {classCount}");
        }
    }

    /// <summary>
    /// Verifies block <paramref name="block"/> of a jpeg shard, copies it into <paramref name="raw"/> (≥ BlockRawBytes) and checks
    /// its layout (JpegBlockLayout): record lengths 1..<paramref name="maxRecordBytes"/>, labels below <paramref name="classCount"/>,
    /// data and paths filling the block exactly. Fills the offsets (n + 1 each). Allocates nothing.
    /// </summary>
    public void DecodeJpegBlock(int block, Span<byte> raw, int classCount, int maxRecordBytes, Span<int> dataOffsets, Span<int> pathOffsets)
    {
        if (_view is null) throw new ObjectDisposedException(Path);
        if (Codec != ShardCodec.Jpeg) throw new InvalidOperationException($"{Path}: a raw shard's blocks are read with DecodeBlock");
        if ((uint)block >= (uint)_counts.Length) throw Fail($"block {block} out of range (shard has {_counts.Length} blocks)");
        var src = new ReadOnlySpan<byte>(_base + _offsets[block], _lengths[block]);
        if (raw.Length < src.Length) throw new ArgumentException($"buffer of {raw.Length} bytes is too small for block {block} ({src.Length} bytes)");
        // Copied first, then hashed: the bytes checked are the bytes used.
        src.CopyTo(raw);
        ulong computed = XXH64.DigestOf(raw[..src.Length]);
        if (computed != _hashes[block]) throw Fail($"block {block}: checksum mismatch (stored {_hashes[block]:x16}, computed {computed:x16})");
        if (JpegBlockLayout.Parse(raw[..src.Length], _counts[block], classCount, maxRecordBytes, dataOffsets, pathOffsets) is { } why)
            throw Fail($"block {block}: {why}");
    }

    private ShardFormatException Fail(string what) => new($"shard '{Path}': {what}");

    public void Dispose()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _view = null;
        }
        _map?.Dispose();
        _map = null;
    }
}
