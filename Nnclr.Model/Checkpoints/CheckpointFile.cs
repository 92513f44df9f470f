using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using K4os.Hash.xxHash;
using Nnclr.Data;

namespace Nnclr.Model;

/// <summary>
/// The checkpoint file format (little-endian):
/// <code>
/// "NNCLRCKP" | int32 version | int64 H | H bytes of UTF-8 JSON header (meta + tensor table) | tensor bytes | uint64 XXH64 of all before it
/// </code>
/// Written by <see cref="AtomicFile"/> (temp, fsync, rename, directory fsync). Reading checks magic,
/// version, sizes and the checksum before it parses anything, and allocates only what the verified file holds.
/// Nothing in a checkpoint is ever executed.
/// </summary>
public static class CheckpointFile
{
    /// <summary>
    /// The only version this build writes and reads. 2: the meta stores the data cursor as one "Cursor" object and
    /// the state holds "trainer.epochs"; version 1 files are refused with one error saying so.
    /// </summary>
    public const int FormatVersion = 2;

    /// <summary>First 8 bytes of every checkpoint.</summary>
    public static ReadOnlySpan<byte> Magic => "NNCLRCKP"u8;

    // magic + version + header length.
    private const int PrefixSize = 20;
    // Trailing checksum.
    private const int TrailerSize = 8;
    // A header larger than this is refused as damaged (a ResNet-50 table is ~50 KB, a configuration ~2 KB).
    private const long MaxHeaderBytes = 16L << 20;
    // Most tensors a table may list (a ResNet-50 trainer has ~500).
    private const int MaxTensors = 65_536;
    // Longest tensor name accepted.
    private const int MaxNameLength = 1024;
    // Longest stored configuration accepted, in characters.
    private const int MaxConfigChars = 1 << 20;
    // Longest run id / configuration hash accepted.
    private const int MaxIdLength = 64;
    // I/O buffer.
    private const int BufferSize = 1 << 20;

    /// <summary>Writes <paramref name="state"/> and <paramref name="meta"/> atomically to <paramref name="path"/>.</summary>
    public static void Write(string path, TrainerState state, CheckpointMeta meta) => Write(path, state, meta, FormatVersion);

    // Also used by tests to produce a file of another version.
    internal static void Write(string path, TrainerState state, CheckpointMeta meta, int version)
    {
        var header = new CheckpointHeader { Meta = meta };
        long offset = 0;
        foreach (var t in state.Tensors)
        {
            header.Tensors.Add(new CheckpointEntry
            {
                Name = t.Name, DType = StateDTypes.NameOf(t.DType), Shape = t.Shape, Offset = offset, Length = t.Data.LongLength,
            });
            offset += t.Data.LongLength;
        }
        var headerBytes = JsonSerializer.SerializeToUtf8Bytes(header);
        // Disk full, I/O error: the atomic write leaves nothing half-written behind; the previous checkpoint is untouched.
        AtomicFile.Write(path, fs => WriteBody(fs, state, headerBytes, version), BufferSize);
    }

    private static void WriteBody(FileStream fs, TrainerState state, byte[] headerBytes, int version)
    {
        var hash = new XXH64();
        Span<byte> prefix = stackalloc byte[PrefixSize];
        Magic.CopyTo(prefix);
        BinaryPrimitives.WriteInt32LittleEndian(prefix[8..], version);
        BinaryPrimitives.WriteInt64LittleEndian(prefix[12..], headerBytes.LongLength);
        Put(fs, hash, prefix);
        Put(fs, hash, headerBytes);
        foreach (var t in state.Tensors) Put(fs, hash, t.Data);
        Span<byte> trailer = stackalloc byte[TrailerSize];
        BinaryPrimitives.WriteUInt64LittleEndian(trailer, hash.Digest());
        fs.Write(trailer);
    }

    private static void Put(FileStream fs, XXH64 hash, ReadOnlySpan<byte> bytes)
    {
        hash.Update(bytes);
        fs.Write(bytes);
    }

    /// <summary>Reads and verifies a checkpoint; any fault is a <see cref="CheckpointFormatException"/> naming the file and the fault.</summary>
    public static (TrainerState State, CheckpointMeta Meta) Read(string path)
    {
        FileStream fs;
        try { fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new CheckpointFormatException(path, $"cannot be opened: {e.Message}", e); }
        using (fs)
        {
            try { return ReadVerified(path, fs); }
            catch (IOException e) { throw new CheckpointFormatException(path, $"read failed: {e.Message}", e); }
        }
    }

    private static (TrainerState, CheckpointMeta) ReadVerified(string path, FileStream fs)
    {
        long length = fs.Length;
        long headerLength = ReadPrefix(path, fs);
        VerifyChecksum(path, fs, length);

        var header = ReadHeader(path, fs, headerLength);
        long dataLength = length - PrefixSize - headerLength - TrailerSize;
        var types = ValidateTable(path, header, dataLength);
        var tensors = new List<StateTensor>(header.Tensors.Count);
        for (int i = 0; i < header.Tensors.Count; i++)
        {
            var e = header.Tensors[i];
            var data = new byte[e.Length];
            fs.ReadExactly(data);
            tensors.Add(new StateTensor(e.Name, types[i], e.Shape, data));
        }
        return (new TrainerState(tensors), header.Meta);
    }

    /// <summary>
    /// The meta of a checkpoint from its header alone (no checksum pass, no tensor bytes read): which run wrote it and
    /// at which step. Any fault is a <see cref="CheckpointFormatException"/> naming the file.
    /// </summary>
    public static CheckpointMeta ReadMeta(string path)
    {
        FileStream fs;
        try { fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new CheckpointFormatException(path, $"cannot be opened: {e.Message}", e); }
        using (fs)
        {
            try { return ReadHeader(path, fs, ReadPrefix(path, fs)).Meta; }
            catch (IOException e) { throw new CheckpointFormatException(path, $"read failed: {e.Message}", e); }
        }
    }

    // Checks the frame (magic, version, header length against the file's length); returns the header length.
    private static long ReadPrefix(string path, FileStream fs)
    {
        long length = fs.Length;
        if (length < PrefixSize + TrailerSize)
            throw new CheckpointFormatException(path, $"is truncated: {length} bytes, less than the {PrefixSize + TrailerSize}-byte frame of any checkpoint");
        Span<byte> prefix = stackalloc byte[PrefixSize];
        fs.Position = 0;
        fs.ReadExactly(prefix);
        if (!prefix[..8].SequenceEqual(Magic))
            throw new CheckpointFormatException(path, "is not an nnclr checkpoint (wrong magic bytes)");
        int version = BinaryPrimitives.ReadInt32LittleEndian(prefix[8..]);
        if (version == 1)
            throw new CheckpointFormatException(path, $"has format version 1 (written before the data cursor and epoch count moved into one meta and the trainer state); this build reads version {FormatVersion} only: start a new run, or resume it with the nnclr build that wrote it");
        if (version != FormatVersion)
            throw new CheckpointFormatException(path, $"has format version {version}; this build reads version {FormatVersion} only");
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(prefix[12..]);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || headerLength > length - PrefixSize - TrailerSize)
            throw new CheckpointFormatException(path, $"declares a {headerLength}-byte header, impossible in a {length}-byte file (truncated or damaged)");
        return headerLength;
    }

    // Reads and parses the header (its length already checked against the file), then checks every field of it
    // that is not the tensor table: nothing in it may be null, negative or longer than its limit.
    private static CheckpointHeader ReadHeader(string path, FileStream fs, long headerLength)
    {
        fs.Position = PrefixSize;
        var headerBytes = new byte[headerLength];
        fs.ReadExactly(headerBytes);
        CheckpointHeader header;
        try { header = JsonSerializer.Deserialize<CheckpointHeader>(headerBytes, HeaderJson) ?? throw new JsonException("the header is JSON null"); }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException)
        { throw new CheckpointFormatException(path, $"header is not valid: {e.Message}", e); }
        var meta = header.Meta ?? throw new CheckpointFormatException(path, "header has no \"Meta\" (null)");
        if (header.Tensors is null) throw new CheckpointFormatException(path, "header has no tensor table (\"Tensors\" is null)");
        if (header.Tensors.Count > MaxTensors)
            throw new CheckpointFormatException(path, $"lists {header.Tensors.Count} tensors, more than the limit of {MaxTensors}");
        if (meta.ConfigJson is null || meta.ConfigJson.Length > MaxConfigChars)
            throw new CheckpointFormatException(path, $"stored configuration is missing or longer than {MaxConfigChars} characters");
        if (meta.RunId is null || meta.RunId.Length > MaxIdLength || meta.ConfigHash is null || meta.ConfigHash.Length > MaxIdLength)
            throw new CheckpointFormatException(path, $"run id or configuration hash is missing or longer than {MaxIdLength} characters");
        if (meta.Step < 0 || meta.Cursor.Epoch < 0 || meta.Cursor.Position < 0)
            throw new CheckpointFormatException(path, $"has a negative step or data cursor (step {meta.Step}, cursor {meta.Cursor})");
        return header;
    }

    // Property names as written; depth of a real header is 4.
    private static readonly JsonSerializerOptions HeaderJson = new() { MaxDepth = 16 };

    private static void VerifyChecksum(string path, FileStream fs, long length)
    {
        var hash = new XXH64();
        var buffer = new byte[BufferSize];
        fs.Position = 0;
        long left = length - TrailerSize;
        while (left > 0)
        {
            int n = fs.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n <= 0) throw new CheckpointFormatException(path, "ended early while verifying the checksum");
            hash.Update(buffer.AsSpan(0, n));
            left -= n;
        }
        Span<byte> trailer = stackalloc byte[TrailerSize];
        fs.ReadExactly(trailer);
        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(trailer), computed = hash.Digest();
        if (stored != computed)
            throw new CheckpointFormatException(path, $"checksum mismatch (stored {stored:x16}, computed {computed:x16}): the file is damaged or truncated");
    }

    // Every entry: known dtype, sane shape, length = elements × size, entries back to back, exactly filling the data section.
    private static ScalarType[] ValidateTable(string path, CheckpointHeader header, long dataLength)
    {
        var types = new ScalarType[header.Tensors.Count];
        var names = new HashSet<string>(StringComparer.Ordinal);
        long expectedOffset = 0;
        for (int i = 0; i < header.Tensors.Count; i++)
        {
            var e = header.Tensors[i] ?? throw new CheckpointFormatException(path, $"tensor #{i} of the table is null");
            if (string.IsNullOrEmpty(e.Name) || e.Name.Length > MaxNameLength || !names.Add(e.Name))
                throw new CheckpointFormatException(path, $"tensor #{i} has an empty, repeated or over-long name '{Shorten(e.Name)}'");
            if (e.DType is null) throw new CheckpointFormatException(path, $"tensor '{e.Name}' has no dtype");
            types[i] = StateDTypes.Parse(e.DType) ?? throw new CheckpointFormatException(path, $"tensor '{e.Name}' has unknown dtype '{Shorten(e.DType)}'");
            if (e.Shape is null || e.Shape.Length > 8)
                throw new CheckpointFormatException(path, $"tensor '{e.Name}' has no shape or more than 8 dimensions");
            long bytes = StateDTypes.ByteLength(types[i], e.Shape);
            if (bytes < 0 || bytes != e.Length || e.Length > Array.MaxLength)
                throw new CheckpointFormatException(path, $"tensor '{e.Name}' declares {e.Length} bytes for {e.DType} [{string.Join(", ", e.Shape)}]");
            if (e.Offset != expectedOffset || e.Length > dataLength - expectedOffset)
                throw new CheckpointFormatException(path, $"tensor '{e.Name}' at offset {e.Offset} (+{e.Length}) does not follow the previous one inside the {dataLength}-byte data section");
            expectedOffset += e.Length;
        }
        if (expectedOffset != dataLength)
            throw new CheckpointFormatException(path, $"tensors fill {expectedOffset} bytes but the data section has {dataLength}");
        return types;
    }

    // A name for an error message: at most 80 characters of it.
    private static string Shorten(string? name) => name is null ? "(null)" : name.Length <= 80 ? name : name[..80] + "…";
}
