using Nnclr.Data.Augment;
using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;

namespace Nnclr.Pipeline.Embedding;

/// <summary>
/// The images `nnclr embed` reads, each prepared on a worker thread into a normalised CHW view of the encoder's input
/// size: the files of a folder (decoded as `ingest folder` does: RGB, shorter side resized to the input size, centre
/// crop) or the records of a dataset split (in file order, centre view as kNN's). Thread-safe: distinct indices may
/// be prepared concurrently, each with the caller's own raw buffer.
/// </summary>
public sealed class EmbeddingInput
{
    // Folder files (full paths) or null for a dataset.
    private readonly List<string>? _files;
    // The dataset split or null for a folder.
    private readonly ShardDataset? _data;
    // Per-channel normalisation of the encoder.
    private readonly float[] _mean, _std;
    // Jpeg records: one decoder per worker thread (null for raw records and folders).
    private readonly ThreadLocal<EncodedImageDecoder>? _decoders;

    /// <summary>Input side in pixels.</summary>
    public int Size { get; }
    /// <summary>Number of images.</summary>
    public int Count => _files?.Count ?? _data!.Count;
    /// <summary>Bytes of the raw buffer <see cref="Prepare"/> needs.</summary>
    public int RawBytes => _files is not null ? 3 * Size * Size : _data!.MaxRecordBytes;
    /// <summary>What to write beside each row: the path relative to the folder, or "split#record".</summary>
    public IReadOnlyList<string> Names { get; }

    private EmbeddingInput(List<string>? files, ShardDataset? data, IReadOnlyList<string> names, int size, float[] mean, float[] std)
    {
        _files = files; _data = data; Names = names; Size = size; _mean = mean; _std = std;
        if (data is { Codec: ShardCodec.Jpeg })
            _decoders = new ThreadLocal<EncodedImageDecoder>(() => new EncodedImageDecoder(Math.Max(data.Height, data.Width)));
    }

    /// <summary>Every JPEG/PNG under <paramref name="dir"/> (any depth); other files go to <paramref name="skipped"/>.</summary>
    public static EmbeddingInput Folder(string dir, int size, float[] mean, float[] std, List<SkippedFile> skipped)
    {
        var files = ImageFolder.List(dir, skipped);
        var root = Path.GetFullPath(dir);
        return new EmbeddingInput(files, null, files.Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).ToList(), size, mean, std);
    }

    /// <summary>Named image files (e.g. one query image), decoded as the folder's.</summary>
    public static EmbeddingInput Files(IReadOnlyList<string> files, int size, float[] mean, float[] std) =>
        new(files.ToList(), null, files, size, mean, std);

    /// <summary>
    /// The records of an opened split (the caller keeps owning <paramref name="data"/>): raw records named "split#record",
    /// jpeg records by the source path they were ingested from (decoded as kNN evaluation decodes them).
    /// </summary>
    public static EmbeddingInput Dataset(ShardDataset data, string split, int size, float[] mean, float[] std)
    {
        var names = data.Codec == ShardCodec.Jpeg
            ? Enumerable.Range(0, data.Count).Select(i => data.SourcePath(i)).ToList()
            : Enumerable.Range(0, data.Count).Select(i => $"{split}#{i}").ToList();
        return new EmbeddingInput(null, data, names, size, mean, std);
    }

    /// <summary>Writes image <paramref name="index"/> into <paramref name="chw"/> (3·Size·Size); null, or why the image cannot be used.</summary>
    public string? Prepare(int index, byte[] raw, Span<float> chw)
    {
        if (_files is not null)
        {
            if (ImageFolder.Decode(_files[index], Size, raw) is { } problem) return problem;
            Preprocess.ToNormalizedChw(raw, Size, Size, Size, _mean, _std, chw);
            return null;
        }
        if (_decoders is not null)
        {
            var (length, _) = _data!.ReadEncoded(index, raw);
            var (rgba, width, height) = _decoders.Value!.Decode(raw.AsSpan(0, length), Size, $"{_data.Directory} split '{_data.Split}' record {index} ({Names[index]})");
            Preprocess.ToNormalizedChw(rgba.Span, height, width, Size, _mean, _std, chw, pixelBytes: 4);
            return null;
        }
        _data!.ReadRecord(index, raw);
        Preprocess.ToNormalizedChw(raw, _data.Height, _data.Width, Size, _mean, _std, chw);
        return null;
    }
}
