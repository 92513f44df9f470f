using System.Formats.Tar;
using System.IO.Compression;
using Nnclr.Data.Shards;

namespace Nnclr.Data.Ingest;

/// <summary>
/// Ingests the official CIFAR-10/100 binary distribution, as the downloaded .tar.gz or its extracted folder,
/// into a dataset with splits "train" (the data batches in order) and "test". Records are 1 (CIFAR-10) or 2
/// (CIFAR-100: coarse, fine) label bytes then 1024 R, 1024 G, 1024 B bytes of a 32×32 image.
/// </summary>
public static class CifarIngest
{
    private const int Side = 32, Plane = Side * Side, ImageBytes = 3 * Plane;

    public static IngestReport Run(string source, string outDir, CifarKind kind, IProgress<string>? progress = null) =>
        Run(source, outDir, kind, progress, maxParallelism: -1);

    /// <param name="maxParallelism">Threads for conversion and compression; the bytes written do not depend on it.</param>
    public static IngestReport Run(string source, string outDir, CifarKind kind, IProgress<string>? progress, int maxParallelism)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (trainNames, testNames, metaName, labelBytes) = kind == CifarKind.Cifar10
            ? (new[] { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin" }, new[] { "test_batch.bin" }, "batches.meta.txt", 1)
            : (new[] { "train.bin" }, new[] { "test.bin" }, "fine_label_names.txt", 2);
        var wanted = trainNames.Concat(testNames).Append(metaName).ToHashSet();
        progress?.Report($"reading {source}");
        var files = ReadSource(source, wanted);
        foreach (var w in wanted)
            if (!files.ContainsKey(w)) throw new IngestException($"'{source}': {w} not found; is this the {(kind == CifarKind.Cifar10 ? "CIFAR-10" : "CIFAR-100")} binary distribution?");
        var classes = System.Text.Encoding.ASCII.GetString(files[metaName]).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        int expectedClasses = kind == CifarKind.Cifar10 ? 10 : 100;
        if (classes.Length != expectedClasses) throw new IngestException($"'{source}': {metaName} lists {classes.Length} classes, expected {expectedClasses}");
        var name = kind == CifarKind.Cifar10 ? "cifar10" : "cifar100";
        var written = new Dictionary<string, int>();
        using (var writer = new DatasetWriter(outDir, name, classes, Side, Side, maxParallelism) { Source = Path.GetFullPath(source) })
        {
            foreach (var (split, names) in new[] { ("train", trainNames), ("test", testNames) })
            {
                var split1 = writer.BeginSplit(split);
                foreach (var file in names)
                {
                    var data = files[file];
                    int record = labelBytes + ImageBytes;
                    if (data.Length % record != 0) throw new IngestException($"'{source}': {file} has {data.Length} bytes, not a whole number of {record}-byte records");
                    int n = data.Length / record;
                    var images = new byte[n * ImageBytes];
                    var labels = new int[n];
                    Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = maxParallelism <= 0 ? Environment.ProcessorCount : maxParallelism }, i =>
                    {
                        var rec = data.AsSpan(i * record, record);
                        labels[i] = rec[labelBytes - 1];
                        var img = images.AsSpan(i * ImageBytes, ImageBytes);
                        for (int p = 0; p < Plane; p++)
                        {
                            img[p * 3] = rec[labelBytes + p];
                            img[p * 3 + 1] = rec[labelBytes + Plane + p];
                            img[p * 3 + 2] = rec[labelBytes + 2 * Plane + p];
                        }
                    });
                    foreach (var l in labels)
                        if (l >= classes.Length) throw new IngestException($"'{source}': {file} holds label {l}, but there are {classes.Length} classes");
                    split1.Add(images, labels);
                    progress?.Report($"{split}: {split1.Count:N0} images ({file})");
                }
                written[split] = (int)split1.Count;
            }
            writer.Complete();
        }
        progress?.Report($"wrote {outDir} in {started.Elapsed.TotalSeconds:F1} s");
        return new IngestReport { OutputDir = outDir, Name = name, Written = written, Elapsed = started.Elapsed };
    }

    /// <summary>The wanted files by base name, from a .tar.gz/.tgz/.tar archive or a folder searched recursively.</summary>
    private static Dictionary<string, byte[]> ReadSource(string source, HashSet<string> wanted)
    {
        var found = new Dictionary<string, byte[]>();
        if (Directory.Exists(source))
        {
            foreach (var path in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                if (wanted.Contains(Path.GetFileName(path)) && !found.ContainsKey(Path.GetFileName(path)))
                    found[Path.GetFileName(path)] = File.ReadAllBytes(path);
            return found;
        }
        if (!File.Exists(source)) throw new IngestException($"'{source}' does not exist");
        try
        {
            using var file = File.OpenRead(source);
            using Stream stream = source.EndsWith(".tar", StringComparison.OrdinalIgnoreCase) ? file : new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(stream);
            while (tar.GetNextEntry() is { } entry)
            {
                var name = Path.GetFileName(entry.Name);
                if (entry.DataStream is null || !wanted.Contains(name)) continue;
                var bytes = new byte[entry.Length];
                entry.DataStream.ReadExactly(bytes);
                found[name] = bytes;
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new IngestException($"'{source}' is not a readable .tar.gz archive: {e.Message}");
        }
        return found;
    }
}
