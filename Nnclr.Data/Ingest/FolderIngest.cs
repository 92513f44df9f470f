using System.Text.Json;
using Nnclr.Data.Shards;

namespace Nnclr.Data.Ingest;

/// <summary>
/// Ingests class sub-folders of JPEG/PNG images (<c>dir/CLASS/…</c>, or <c>dir/train/CLASS/…</c> plus
/// <c>dir/test|val/CLASS/…</c> for two splits) at size×size. Files are taken in ordinal path order and decoded in
/// parallel chunks, so the output bytes do not depend on the thread count. Every file not used is listed in
/// <c>ingest-report.json</c> beside the shards; with <c>strict</c> any such file fails the ingest and no
/// manifest (and no shard) is left behind.
/// </summary>
public static class FolderIngest
{
    public const string ReportFile = "ingest-report.json";
    private const int Chunk = 256;
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png"];

    public static IngestReport Run(string inputDir, string outDir, int size, bool strict, IProgress<string>? progress = null) =>
        Run(inputDir, outDir, size, strict, progress, maxParallelism: -1);

    public static IngestReport Run(string inputDir, string outDir, int size, bool strict, IProgress<string>? progress, int maxParallelism)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        if (!Directory.Exists(inputDir)) throw new IngestException($"input folder '{inputDir}' does not exist");
        if (size < 1 || size > 4096) throw new IngestException($"--size {size} must be in 1..4096");
        var skipped = new List<SkippedFile>();
        var splitDirs = FindSplits(inputDir);
        var classes = splitDirs.SelectMany(s => Directory.EnumerateDirectories(s.Dir).Select(Path.GetFileName)).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0) throw new IngestException($"'{inputDir}' has no class sub-folders");
        var written = new Dictionary<string, int>();
        int imageBytes = size * size * 3, threads = maxParallelism <= 0 ? Environment.ProcessorCount : maxParallelism;
        bool failed = false;
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(inputDir)));
        using (var writer = new DatasetWriter(outDir, name, classes!, size, size, maxParallelism) { Source = Path.GetFullPath(inputDir) })
        {
            foreach (var (splitName, dir) in splitDirs)
            {
                var files = ListFiles(dir, classes!, skipped);
                var split = writer.BeginSplit(splitName);
                var images = new byte[Chunk * imageBytes];
                var labels = new int[Chunk];
                var errors = new string?[Chunk];
                for (int start = 0; start < files.Count; start += Chunk)
                {
                    int n = Math.Min(Chunk, files.Count - start);
                    Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
                    {
                        try { errors[i] = ImageDecoder.Decode(files[start + i].Path, size, images.AsSpan(i * imageBytes, imageBytes)); }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { errors[i] = $"unreadable ({e.Message})"; }
                    });
                    int kept = 0;
                    for (int i = 0; i < n; i++)
                    {
                        if (errors[i] is { } why) { skipped.Add(new SkippedFile(files[start + i].Path, why)); continue; }
                        if (kept != i) images.AsSpan(i * imageBytes, imageBytes).CopyTo(images.AsSpan(kept * imageBytes));
                        labels[kept++] = files[start + i].Label;
                    }
                    failed |= strict && skipped.Count > 0;
                    if (!failed && kept > 0) split.Add(images.AsSpan(0, kept * imageBytes), labels.AsSpan(0, kept));
                    progress?.Report($"{splitName}: {start + n:N0}/{files.Count:N0} files, {skipped.Count} skipped");
                }
                written[splitName] = (int)split.Count;
            }
            if (!failed && written.Values.Sum() == 0) { failed = true; skipped.Add(new SkippedFile(inputDir, "no decodable images at all")); }
            if (!failed) writer.Complete();
        }
        var reportPath = WriteReport(outDir, inputDir, written, skipped, strict, failed);
        foreach (var s in skipped) progress?.Report($"skipped {s.Path}: {s.Reason}");
        if (failed)
            throw new IngestException($"ingest of '{inputDir}' failed: {skipped.Count} file(s) skipped{(strict ? " under --strict" : "")} " +
                $"(first: {skipped[0].Path}: {skipped[0].Reason}); no dataset was written; see {reportPath}", skipped);
        return new IngestReport { OutputDir = outDir, Name = name, Written = written, Skipped = skipped, ReportPath = reportPath, Elapsed = started.Elapsed };
    }

    private static List<(string Name, string Dir)> FindSplits(string inputDir)
    {
        var train = Path.Combine(inputDir, "train");
        var test = new[] { "test", "val" }.Select(n => Path.Combine(inputDir, n)).FirstOrDefault(Directory.Exists);
        return Directory.Exists(train) && test is not null ? [("train", train), ("test", test)] : [("train", inputDir)];
    }

    private static List<(string Path, int Label)> ListFiles(string dir, string[] classes, List<SkippedFile> skipped)
    {
        foreach (var stray in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
            skipped.Add(new SkippedFile(stray, "not inside a class folder"));
        var files = new List<(string, int)>();
        for (int label = 0; label < classes.Length; label++)
        {
            var classDir = Path.Combine(dir, classes[label]);
            if (!Directory.Exists(classDir)) continue;
            foreach (var f in Directory.EnumerateFiles(classDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())) files.Add((f, label));
                else skipped.Add(new SkippedFile(f, "not a .jpg/.jpeg/.png file"));
            }
        }
        return files;
    }

    private static string WriteReport(string outDir, string inputDir, Dictionary<string, int> written, List<SkippedFile> skipped, bool strict, bool failed)
    {
        Directory.CreateDirectory(outDir);
        var path = Path.Combine(outDir, ReportFile);
        var json = JsonSerializer.Serialize(new
        {
            input = Path.GetFullPath(inputDir), strict, complete = !failed, written, skippedCount = skipped.Count,
            skipped = skipped.Select(s => new { path = s.Path, reason = s.Reason }),
        }, new JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(path + ".tmp", json);
        File.Move(path + ".tmp", path, overwrite: true);
        return path;
    }
}
