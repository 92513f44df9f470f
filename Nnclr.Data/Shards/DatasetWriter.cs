using K4os.Compression.LZ4;

namespace Nnclr.Data.Shards;

/// <summary>
/// Writes a dataset folder: splits of shards, then manifest.json last (temp + rename). Until
/// <see cref="Complete"/> returns, the folder holds no manifest and so never looks complete; disposing an
/// incomplete writer deletes every shard it wrote. Refuses a folder that already holds a dataset.
/// </summary>
public sealed class DatasetWriter : IDisposable
{
    // Splits begun, in order; their names are unique.
    private readonly List<SplitWriter> _splits = [];
    // Files this writer created (final names), deleted if it is disposed before completing.
    private readonly List<string> _created = [];
    // Threads for compression (≥ 1).
    private readonly int _maxParallelism;
    // True once the manifest is written: files are then kept on dispose.
    private bool _completed;

    public string Directory { get; }
    public string Name { get; }
    public IReadOnlyList<string> Classes { get; }
    public int Height { get; }
    public int Width { get; }
    public int RecordsPerBlock { get; }
    public int RecordsPerShard { get; }
    public string Source { get; init; } = "";
    /// <summary>Default of BeginSplit: false when the records carry no real label (one class, every label 0).</summary>
    public bool Labelled { get; init; } = true;
    public LZ4Level Level { get; init; } = LZ4Level.L00_FAST;
    /// <summary>Raw (fixed-size images) or jpeg (variable-length records; Height = Width = the largest side allowed).</summary>
    public ShardCodec Codec { get; }

    /// <param name="maxParallelism">Threads used to compress; the output bytes do not depend on it.</param>
    /// <param name="recordsPerBlock">Records per LZ4 block; 0 picks about 1 MiB of images per block.</param>
    public DatasetWriter(string directory, string name, IReadOnlyList<string> classes, int height, int width, int maxParallelism = -1, int recordsPerBlock = 0,
        ShardCodec codec = ShardCodec.Raw)
    {
        Codec = codec;
        if (File.Exists(ManifestFile.PathIn(directory)))
            throw new IOException($"'{directory}' already holds a dataset (manifest.json); choose another output folder or delete it first");
        if (classes.Count == 0 || classes.Count > ushort.MaxValue + 1) throw new ArgumentException($"{classes.Count} classes; need 1..65536", nameof(classes));
        System.IO.Directory.CreateDirectory(directory);
        Directory = directory; Name = name; Classes = classes.ToArray(); Height = height; Width = width;
        _maxParallelism = maxParallelism <= 0 ? Environment.ProcessorCount : maxParallelism;
        int imageBytes = height * width * 3;
        // About 1 MiB of decoded data per block, about 64 MiB per shard.
        RecordsPerBlock = recordsPerBlock > 0 ? recordsPerBlock : codec == ShardCodec.Jpeg ? JpegRecordsPerBlock : Math.Clamp((1 << 20) / imageBytes, 1, 4096);
        // Jpeg: about 64 MiB at a typical 100 KB per record; the size is not known before the records are.
        RecordsPerShard = codec == ShardCodec.Jpeg ? Math.Max(1, 640 / RecordsPerBlock) * RecordsPerBlock
            : Math.Max(1, (64 << 20) / imageBytes / RecordsPerBlock) * RecordsPerBlock;
    }

    /// <summary>Records per block of a jpeg dataset by default: a few MB per block at typical photo sizes.</summary>
    public const int JpegRecordsPerBlock = 32;

    /// <summary>Starts split <paramref name="name"/> ("train", "test").</summary>
    public SplitWriter BeginSplit(string name) => BeginSplit(name, Labelled);

    /// <summary>Starts split <paramref name="name"/>; <paramref name="labelled"/> false for records without a real label.</summary>
    public SplitWriter BeginSplit(string name, bool labelled)
    {
        if (_splits.Any(s => s.Name == name)) throw new ArgumentException($"split '{name}' was already begun", nameof(name));
        var s = new SplitWriter(this, name, Height * Width * 3, RecordsPerBlock, RecordsPerShard, Classes.Count, _maxParallelism, Level) { Labelled = labelled };
        _splits.Add(s);
        return s;
    }

    internal string Track(string file)
    {
        var path = Path.Combine(Directory, file);
        _created.Add(path);
        return path;
    }

    /// <summary>Finishes every split, then writes the manifest; returns it.</summary>
    public DatasetManifest Complete()
    {
        var splits = _splits.Select(s => s.Complete()).ToArray();
        bool jpeg = Codec == ShardCodec.Jpeg;
        var m = new DatasetManifest
        {
            FormatVersion = ShardLayout.VersionOf(Codec), Codec = jpeg ? "jpeg" : "raw",
            MaxRecordBytes = jpeg ? Math.Max(1, _splits.Max(s => s.MaxRecordBytes)) : 0,
            MaxBlockBytes = jpeg ? Math.Max(1, _splits.Max(s => s.MaxBlockBytes)) : 0,
            Name = Name, Classes = Classes, Height = Height, Width = Width, RecordsPerBlock = RecordsPerBlock, Splits = splits, Source = Source, Labelled = splits.Any(s => s.Labelled),
        };
        ManifestFile.Save(Directory, m);
        _completed = true;
        return m;
    }

    public void Dispose()
    {
        foreach (var s in _splits) s.Dispose();
        if (_completed) return;
        foreach (var f in _created) File.Delete(f);
    }
}
