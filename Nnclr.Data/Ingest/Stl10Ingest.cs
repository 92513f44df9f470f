using Nnclr.Data.Shards;

namespace Nnclr.Data.Ingest;

/// <summary>
/// Ingests the official STL-10 binary distribution (the extracted <c>stl10_binary</c> folder): <c>train_X.bin</c> /
/// <c>train_y.bin</c>, <c>test_X.bin</c> / <c>test_y.bin</c>, and, when present, <c>unlabeled_X.bin</c>, with
/// <c>class_names.txt</c>. Images are 96×96, stored per image as 3 planes (R, G, B) each in column-major order
/// (byte <c>c·9216 + x·96 + y</c>); labels are one byte 1..10. Splits "train", "test" and "train+unlabelled" (train_X then unlabeled_X, written with
/// label 0, marked unlabelled). Files are streamed 256 images at a time: the 2.7 GB unlabelled file is never held whole.
/// Records keep the distribution's order (STL-10's files are not class-sorted).
/// </summary>
public static class Stl10Ingest
{
    public const int Side = 96;
    private const int Plane = Side * Side, ImageBytes = 3 * Plane, Chunk = 256;

    public static IngestReport Run(string sourceDir, string outDir, IProgress<string>? progress = null, int maxParallelism = -1)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        if (!Directory.Exists(sourceDir)) throw new IngestException($"STL-10 folder '{sourceDir}' does not exist (extract stl10_binary.tar.gz and pass its stl10_binary folder)");
        string F(string name) => Path.Combine(sourceDir, name);
        foreach (var required in new[] { "train_X.bin", "train_y.bin", "test_X.bin", "test_y.bin", "class_names.txt" })
            if (!File.Exists(F(required))) throw new IngestException($"'{sourceDir}': {required} not found; is this the STL-10 binary distribution (stl10_binary)?");
        var classes = File.ReadAllLines(F("class_names.txt")).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (classes.Length != 10) throw new IngestException($"'{F("class_names.txt")}' lists {classes.Length} classes, expected 10");
        int threads = maxParallelism <= 0 ? Environment.ProcessorCount : maxParallelism;
        var written = new Dictionary<string, int>();
        using (var writer = new DatasetWriter(outDir, "stl10", classes, Side, Side, threads) { Source = Path.GetFullPath(sourceDir) })
        {
            // The self-supervised split is STL-10's train images plus its 100,000 unlabelled ones (as in the NNCLR/BYOL
            // papers and solo-learn's "train+unlabeled"), stored without labels; train (labelled) and test stay for kNN.
            var splits = new List<(string Split, string[] Xs, string? Y)> { ("train", [F("train_X.bin")], F("train_y.bin")), ("test", [F("test_X.bin")], F("test_y.bin")) };
            if (File.Exists(F("unlabeled_X.bin"))) splits.Add(("train+unlabelled", [F("train_X.bin"), F("unlabeled_X.bin")], null));
            foreach (var (splitName, xPaths, yPath) in splits)
            {
                var split = writer.BeginSplit(splitName, labelled: yPath is not null);
                int total = 0;
                foreach (var xPath in xPaths) total += Add(split, splitName, xPath, yPath, threads, progress);
                written[splitName] = total;
            }
            writer.Complete();
        }
        return new IngestReport { OutputDir = outDir, Name = "stl10", Written = written, Skipped = [], Elapsed = started.Elapsed };
    }

    /// <summary>Appends the images of one X file (labels from <paramref name="yPath"/>, or none) to a split; returns their count.</summary>
    private static int Add(SplitWriter split, string splitName, string xPath, string? yPath, int threads, IProgress<string>? progress)
    {
        long xBytes = new FileInfo(xPath).Length;
        if (xBytes == 0 || xBytes % ImageBytes != 0) throw new IngestException($"'{xPath}' has {xBytes} bytes, not a whole number of {ImageBytes}-byte 96×96×3 images");
        if (xBytes / ImageBytes > int.MaxValue) throw new IngestException($"'{xPath}' holds more images than a split can");
        int n = (int)(xBytes / ImageBytes);
        byte[]? y = null;
        if (yPath is not null)
        {
            long yBytes = new FileInfo(yPath).Length;
            if (yBytes != n) throw new IngestException($"'{yPath}' has {yBytes} labels, but '{xPath}' holds {n} images");
            y = File.ReadAllBytes(yPath);
            for (int i = 0; i < n; i++)
                if (y[i] < 1 || y[i] > 10) throw new IngestException($"'{yPath}': label {y[i]} of image {i} is outside 1..10");
        }
        var raw = new byte[Chunk * ImageBytes];
        var hwc = new byte[Chunk * ImageBytes];
        var labels = new int[Chunk];
        using var x = new FileStream(xPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        for (int start = 0; start < n; start += Chunk)
        {
            int m = Math.Min(Chunk, n - start);
            x.ReadExactly(raw, 0, m * ImageBytes);
            Parallel.For(0, m, new ParallelOptions { MaxDegreeOfParallelism = threads }, i => ToHwc(raw.AsSpan(i * ImageBytes, ImageBytes), hwc.AsSpan(i * ImageBytes, ImageBytes)));
            for (int i = 0; i < m; i++) labels[i] = y is null ? 0 : y[start + i] - 1;
            split.Add(hwc.AsSpan(0, m * ImageBytes), labels.AsSpan(0, m));
            if ((start / Chunk) % 40 == 0) progress?.Report($"{splitName}: {start + m:N0}/{n:N0}");
        }
        return n;
    }

    internal static void ToHwc(ReadOnlySpan<byte> planes, Span<byte> hwc)
    {
        for (int c = 0; c < 3; c++)
            for (int x = 0; x < Side; x++)
            {
                var column = planes.Slice(c * Plane + x * Side, Side);
                for (int yy = 0; yy < Side; yy++) hwc[(yy * Side + x) * 3 + c] = column[yy];
            }
    }
}
