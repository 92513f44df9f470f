using System.Buffers.Binary;
using K4os.Compression.LZ4;
using K4os.Hash.xxHash;

namespace Nnclr.Data.Shards;

/// <summary>
/// Writes one shard file: fixed-size HWC uint8 RGB images with labels in LZ4 blocks (raw codec), or variable-length
/// JPEG records with labels and source paths (jpeg codec); an xxHash64 per block.
/// Bytes go to an <see cref="AtomicFile"/> write; <see cref="Complete"/> writes index and header and commits it, so a
/// shard that exists under its final name is always whole. Disposing without completing deletes the temp file.
/// </summary>
public sealed class ShardWriter : IDisposable
{
    // Final path; nothing exists there until Complete succeeds.
    private readonly string _path;
    // The atomic write of the shard; null once completed or disposed.
    private AtomicFile.Pending? _pending;
    // Its temp file's stream; null once completed or disposed.
    private FileStream? _file;
    // Index entries so far: (offset, compressed length, record count, hash), in block order.
    private readonly List<(long Offset, int Length, int Count, ulong Hash)> _index = [];
    // Height*Width*3.
    private readonly int _imageBytes;
    // Records so far; every block but the last holds exactly RecordsPerBlock.
    private int _count;
    // True once a short (final) block was written.
    private bool _sawShortBlock;

    public int Height { get; }
    public int Width { get; }
    public int RecordsPerBlock { get; }
    public int Count => _count;
    /// <summary>Raw: fixed-size images in LZ4 blocks; jpeg: variable-length records, blocks stored as is (version 2).</summary>
    public ShardCodec Codec { get; }
    /// <summary>Largest block written so far (stored bytes = decoded bytes for jpeg).</summary>
    public int MaxBlockBytes { get; private set; }

    public ShardWriter(string path, int height, int width, int recordsPerBlock, ShardCodec codec = ShardCodec.Raw)
    {
        Codec = codec;
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"image size {height}x{width} must be positive");
        if (recordsPerBlock <= 0) throw new ArgumentOutOfRangeException(nameof(recordsPerBlock), "records per block must be positive");
        _path = path;
        Height = height; Width = width; RecordsPerBlock = recordsPerBlock;
        _imageBytes = height * width * 3;
        _pending = AtomicFile.Begin(path);
        _file = _pending.Stream;
        _file.Write(new byte[ShardLayout.HeaderBytes]);
    }

    /// <summary>Compresses one block (thread-safe, pure: the same input always gives the same bytes).</summary>
    public static EncodedBlock Encode(ReadOnlySpan<byte> images, ReadOnlySpan<int> labels, int imageBytes, LZ4Level level = LZ4Level.L00_FAST)
    {
        int n = labels.Length;
        if (n == 0 || images.Length != n * imageBytes)
            throw new ArgumentException($"a block needs ≥ 1 record and {imageBytes} image bytes per label; got {images.Length} bytes for {n} labels");
        int raw = ShardLayout.RawBlockBytes(n, imageBytes);
        var buffer = new byte[raw];
        images.CopyTo(buffer);
        for (int i = 0; i < n; i++)
        {
            if ((uint)labels[i] > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(labels), $"label {labels[i]} of record {i} does not fit uint16");
            BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(images.Length + i * 2), (ushort)labels[i]);
        }
        var target = new byte[LZ4Codec.MaximumOutputSize(raw)];
        int len = LZ4Codec.Encode(buffer, target, level);
        if (len <= 0) throw new InvalidOperationException("LZ4 encoding failed");
        var data = target.AsSpan(0, len).ToArray();
        return new EncodedBlock(data, n, XXH64.DigestOf(data), raw);
    }

    /// <summary>Lays out one jpeg-codec block (see JpegBlockLayout): stored as is, since JPEG bytes do not shrink under LZ4.</summary>
    public static EncodedBlock EncodeJpeg(IReadOnlyList<(byte[] Data, int Label, byte[] Path)> records)
    {
        if (records.Count == 0) throw new ArgumentException("a block needs ≥ 1 record");
        var data = JpegBlockLayout.Build(records);
        return new EncodedBlock(data, records.Count, XXH64.DigestOf(data), data.Length);
    }

    /// <summary>Compresses and appends a block of <c>labels.Length</c> records.</summary>
    public void WriteBlock(ReadOnlySpan<byte> images, ReadOnlySpan<int> labels) => WriteBlock(Encode(images, labels, _imageBytes));

    /// <summary>Appends a block made by <see cref="Encode"/>. Only the last block may hold fewer than RecordsPerBlock records.</summary>
    public void WriteBlock(in EncodedBlock block)
    {
        var file = _file ?? throw new ObjectDisposedException(nameof(ShardWriter));
        if (block.Count > RecordsPerBlock) throw new ArgumentException($"{_path}: block of {block.Count} records exceeds {RecordsPerBlock} records per block");
        if (_sawShortBlock) throw new InvalidOperationException($"{_path}: only the last block may hold fewer than {RecordsPerBlock} records");
        if (Codec == ShardCodec.Raw ? block.RawBytes != ShardLayout.RawBlockBytes(block.Count, _imageBytes) : block.RawBytes != block.Data.Length)
            throw new ArgumentException($"{_path}: block was encoded for another image size");
        _sawShortBlock = block.Count < RecordsPerBlock;
        _index.Add((file.Position, block.Data.Length, block.Count, block.Hash));
        MaxBlockBytes = Math.Max(MaxBlockBytes, block.RawBytes);
        file.Write(block.Data);
        _count += block.Count;
    }

    /// <summary>Writes index and header, fsyncs, renames to the final name; returns the file's size in bytes.</summary>
    public long Complete() => Complete(0);

    /// <summary>As <see cref="Complete()"/>, recording <paramref name="classHash"/> (see ShardLayout.ClassHash) in the header.</summary>
    public long Complete(ulong classHash)
    {
        var file = _file ?? throw new ObjectDisposedException(nameof(ShardWriter));
        long indexOffset = file.Position;
        var index = new byte[_index.Count * ShardLayout.IndexEntryBytes + 8];
        for (int b = 0; b < _index.Count; b++)
        {
            var e = index.AsSpan(b * ShardLayout.IndexEntryBytes);
            BinaryPrimitives.WriteUInt64LittleEndian(e, (ulong)_index[b].Offset);
            BinaryPrimitives.WriteUInt32LittleEndian(e[8..], (uint)_index[b].Length);
            BinaryPrimitives.WriteUInt32LittleEndian(e[12..], (uint)_index[b].Count);
            BinaryPrimitives.WriteUInt64LittleEndian(e[16..], _index[b].Hash);
        }
        var entries = index.AsSpan(0, index.Length - 8);
        BinaryPrimitives.WriteUInt64LittleEndian(index.AsSpan(entries.Length), XXH64.DigestOf(entries));
        file.Write(index);
        Span<byte> header = stackalloc byte[ShardLayout.HeaderBytes];
        ShardLayout.WriteHeader(header, Height, Width, _count, RecordsPerBlock, _index.Count, indexOffset, classHash, Codec);
        file.Position = 0;
        file.Write(header);
        long length = _pending!.Commit();
        _pending = null;
        _file = null;
        return length;
    }

    public void Dispose()
    {
        _pending?.Dispose(); // not completed: the temp file goes, the target is untouched
        _pending = null;
        _file = null;
    }
}
