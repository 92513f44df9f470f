using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Nnclr.Data;

namespace Nnclr.Model;

/// <summary>
/// N L2-normalised embeddings of size D with the path (or dataset record) each came from, and the files they are
/// kept in: <c>F.npy</c> (float32 little-endian [N, D], NumPy format 1.0) + <c>F.paths.txt</c> (one path per line,
/// UTF-8), <c>F.safetensors</c> (tensor "embeddings" F32 [N, D]; metadata "paths" as a JSON array, "source"), or
/// <c>F.parquet</c> (<see cref="EmbeddingParquet"/>).
/// Writing is deterministic: the same vectors and paths give the same bytes.
/// </summary>
public sealed partial class EmbeddingSet
{
    /// <summary>Row-major [Count, Dim] values.</summary>
    public float[] Vectors { get; }
    /// <summary>Path (or "split#record") of each row.</summary>
    public IReadOnlyList<string> Paths { get; }
    /// <summary>Embedding size.</summary>
    public int Dim { get; }
    /// <summary>Where the vectors came from (checkpoint, projector or not); written to safetensors metadata.</summary>
    public string Source { get; }

    public int Count => Paths.Count;

    public EmbeddingSet(float[] vectors, IReadOnlyList<string> paths, int dim, string source)
    {
        if (dim <= 0 || vectors.LongLength != (long)paths.Count * dim)
            throw new ArgumentException($"{vectors.LongLength} values for {paths.Count} paths of dimension {dim}");
        foreach (var p in paths)
            if (p.Contains('\n') || p.Contains('\r')) throw new ArgumentException($"path '{p.ReplaceLineEndings(" ")}' contains a line break");
        Vectors = vectors; Paths = paths; Dim = dim; Source = source;
    }

    /// <summary>The row of <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Row(int index) => Vectors.AsSpan(index * Dim, Dim);

    /// <summary>The paths file beside an .npy: F.npy → F.paths.txt.</summary>
    public static string PathsFileFor(string npy) => Path.ChangeExtension(npy, ".paths.txt");

    /// <summary>The pair record beside an .npy: F.npy → F.pair.json (written last; binds F.npy and F.paths.txt by checksum).</summary>
    public static string PairFileFor(string npy) => Path.ChangeExtension(npy, ".pair.json");

    /// <summary>Writes by extension: .npy (+ .paths.txt) or .safetensors. Returns the files written.</summary>
    public IReadOnlyList<string> Write(string path) => Write(path, afterFile: null);

    /// <summary>
    /// As <see cref="Write(string)"/>; <paramref name="afterFile"/> runs after each file of an .npy pair is in place
    /// (tests stop the write there, as a kill would).
    /// </summary>
    internal IReadOnlyList<string> Write(string path, Action<string>? afterFile)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext == ".safetensors")
        {
            var data = new byte[Vectors.LongLength * 4];
            for (int i = 0; i < Vectors.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), Vectors[i]);
            SafetensorsExporter.Write([new StateTensor("embeddings", ScalarType.Float32, [Count, Dim], data)], path,
                new Dictionary<string, string> { ["paths"] = JsonSerializer.Serialize(Paths), ["source"] = Source });
            return [Path.GetFullPath(path)];
        }
        if (ext == ".parquet")
        {
            EmbeddingParquet.Write(this, path);
            return [Path.GetFullPath(path)];
        }
        if (ext != ".npy") throw new ArgumentException($"--out {path}: the name must end in .npy, .safetensors or .parquet");
        var header = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({Count}, {Dim}), }}");
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        var full = Path.GetFullPath(path);
        // Two files cannot be renamed at once: the pair record says "being written" first and names both files'
        // checksums last, so a reader never takes a new .npy with an old paths file (or the reverse) as a pair.
        var pair = PairFileFor(full);
        AtomicFile.WriteAllText(pair, "{\"complete\": false}\n");
        AtomicFile.Write(full, fs =>
        {
            fs.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            Span<byte> len = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(len, checked((ushort)header.Length));
            fs.Write(len);
            fs.Write(Encoding.ASCII.GetBytes(header));
            var row = new byte[Dim * 4];
            for (int i = 0; i < Count; i++)
            {
                var r = Row(i);
                for (int j = 0; j < Dim; j++) BinaryPrimitives.WriteSingleLittleEndian(row.AsSpan(j * 4), r[j]);
                fs.Write(row);
            }
        }, 1 << 20);
        afterFile?.Invoke(full);
        var paths = PathsFileFor(full);
        AtomicFile.WriteAllText(paths, Paths.Count == 0 ? "" : string.Join('\n', Paths) + "\n");
        afterFile?.Invoke(paths);
        AtomicFile.WriteAllText(pair, JsonSerializer.Serialize(new PairRecord(true, Checksum(full), Checksum(paths))) + "\n");
        return [full, paths, pair];
    }

    private sealed record PairRecord(bool complete, string? npy_xxh64 = null, string? paths_xxh64 = null);

    private static string Checksum(string file)
    {
        using var fs = File.OpenRead(file);
        var hash = new K4os.Hash.xxHash.XXH64();
        var buffer = new byte[1 << 16];
        for (int n; (n = fs.Read(buffer)) > 0;) hash.Update(buffer.AsSpan(0, n));
        return hash.Digest().ToString("x16", CultureInfo.InvariantCulture);
    }

    // An .npy written by nnclr has a pair record: it must say complete and match both files. Without one (an .npy
    // from elsewhere with a paths file) the pair is taken as given.
    private static void CheckPair(string npy, string pathsFile)
    {
        var pair = PairFileFor(npy);
        if (!File.Exists(pair)) return;
        PairRecord? record;
        try { record = JsonSerializer.Deserialize<PairRecord>(File.ReadAllText(pair)); }
        catch (JsonException e) { throw new WeightsFormatException(pair, $"not a pair record ({e.Message})"); }
        if (record is not { complete: true })
            throw new WeightsFormatException(npy, $"was being written when its writer stopped ({pair} says incomplete): the .npy and {pathsFile} may not belong together; write it again");
        if (record.npy_xxh64 != Checksum(npy) || record.paths_xxh64 != Checksum(pathsFile))
            throw new WeightsFormatException(npy, $"and {pathsFile} are not the pair {pair} records (one was replaced without the other); write it again");
    }

    /// <summary>Reads a set written by <see cref="Write"/> (or any float32 C-order [N, D] .npy with a paths file of N lines).</summary>
    public static EmbeddingSet Read(string path)
    {
        if (!File.Exists(path)) throw new WeightsFormatException(path, "file does not exist");
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext == ".safetensors")
        {
            var file = SafetensorsReader.Read(path);
            if (!file.TryGet("embeddings", out var t) || t.DType != ScalarType.Float32 || t.Shape.Length != 2)
                throw new WeightsFormatException(path, "no float32 [N, D] tensor named 'embeddings'");
            if (!file.Metadata.TryGetValue("paths", out var json)) throw new WeightsFormatException(path, "no 'paths' metadata");
            List<string> paths;
            try { paths = JsonSerializer.Deserialize<List<string>>(json) ?? []; }
            catch (JsonException e) { throw new WeightsFormatException(path, $"'paths' metadata is not a JSON array of strings: {e.Message}"); }
            if (paths.Count != t.Shape[0]) throw new WeightsFormatException(path, $"{paths.Count} paths for {t.Shape[0]} embeddings");
            var v = new float[t.Data.Length / 4];
            for (int i = 0; i < v.Length; i++) v[i] = BinaryPrimitives.ReadSingleLittleEndian(t.Data.AsSpan(i * 4));
            return new EmbeddingSet(v, paths, checked((int)t.Shape[1]), file.Metadata.GetValueOrDefault("source", ""));
        }
        if (ext == ".parquet") return EmbeddingParquet.Read(path);
        if (ext != ".npy") throw new WeightsFormatException(path, "embeddings must be a .npy (with its .paths.txt), .safetensors or .parquet file");
        using var fs = File.OpenRead(path);
        Span<byte> pre = stackalloc byte[10];
        if (fs.ReadAtLeast(pre, 10, throwOnEndOfStream: false) < 10 || pre[0] != 0x93 || !pre[1..6].SequenceEqual("NUMPY"u8) || pre[6] != 1)
            throw new WeightsFormatException(path, "not a NumPy 1.0 .npy file");
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(pre[8..]);
        var headerBytes = new byte[headerLength];
        fs.ReadExactly(headerBytes);
        var header = Encoding.ASCII.GetString(headerBytes);
        var m = NpyHeader().Match(header);
        if (!m.Success) throw new WeightsFormatException(path, $"header '{header.Trim()}' is not float32 little-endian C-order [N, D]");
        long n = long.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out long rows) ? rows : -1;
        long d = long.TryParse(m.Groups[2].Value, CultureInfo.InvariantCulture, out long cols) ? cols : -1;
        if (n < 0 || n > int.MaxValue || d > int.MaxValue || d <= 0 || n * d > Array.MaxLength || n * d * 4 != fs.Length - 10 - headerLength)
            throw new WeightsFormatException(path, $"shape ({n}, {d}) does not match the {fs.Length}-byte file");
        var bytes = new byte[n * d * 4];
        fs.ReadExactly(bytes);
        var values = new float[n * d];
        for (long i = 0; i < values.LongLength; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(i * 4)));
        var pathsFile = PathsFileFor(path);
        if (!File.Exists(pathsFile)) throw new WeightsFormatException(path, $"its paths file {pathsFile} does not exist");
        CheckPair(path, pathsFile);
        var lines = File.ReadAllLines(pathsFile, Encoding.UTF8);
        if (lines.Length != n) throw new WeightsFormatException(pathsFile, $"{lines.Length} lines for {n} embeddings");
        return new EmbeddingSet(values, lines, (int)d, "");
    }

    [GeneratedRegex(@"^\{'descr': '<f4', 'fortran_order': False, 'shape': \((\d+), (\d+)\), \}\s*$")]
    private static partial Regex NpyHeader();
}
