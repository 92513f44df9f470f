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
    // Dataset records: one centre-view reader per worker thread (null for folders).
    private readonly ThreadLocal<CentreViewReader>? _readers;

    /// <summary>Input side in pixels.</summary>
    public int Size { get; }
    /// <summary>Number of images.</summary>
    public int Count => _files?.Count ?? _data!.Count;
    /// <summary>Bytes of the raw buffer <see cref="Prepare"/> needs.</summary>
    public int RawBytes => _files is not null ? 3 * Size * Size : 0;
    /// <summary>What to write beside each row: the path relative to the folder, or "split#record".</summary>
    public IReadOnlyList<string> Names { get; }

    private EmbeddingInput(List<string>? files, ShardDataset? data, IReadOnlyList<string> names, int size, float[] mean, float[] std)
    {
        _files = files; _data = data; Names = names; Size = size; _mean = mean; _std = std;
        if (data is not null) _readers = new ThreadLocal<CentreViewReader>(() => new CentreViewReader(data, size, mean, std));
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
        _readers!.Value!.Read(index, chw);
        return null;
    }
}
