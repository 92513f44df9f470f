using System.Text.Json;
using Nnclr.Data.Shards;

namespace Nnclr.Data.Ingest;

/// <summary>
/// Ingests a folder of JPEG/PNG images at size×size: class sub-folders (<c>dir/CLASS/…</c>, or <c>dir/train/CLASS/…</c>
/// plus <c>dir/test|val/CLASS/…</c> for two splits, val becoming "test"), or with <see cref="FolderIngestOptions.Unlabelled"/>
/// every image at any depth as one unlabelled class, or labelled by <see cref="FolderIngestOptions.LabelsFile"/>. The labels
/// are checked before anything is decoded (<see cref="LabelCheck"/>). Enumeration is bounded and never follows directory symlinks (see
/// <see cref="FolderWalker"/>); an image whose header declares more than the megapixel limit is skipped before any
/// pixel is allocated, so peak memory is bounded by threads × the limit. Records are written in a seeded shuffled
/// order (a class-sorted folder does not give class-sorted shards) and decoded in parallel chunks, so the output
/// bytes do not depend on the thread count. Every file not used is listed in <c>ingest-report.json</c> beside the
/// shards, which is written on every ending, also when the ingest fails; with <c>strict</c> any such file fails
/// the ingest and no manifest (and no shard) is left behind.
/// </summary>
public static class FolderIngest
{
    public const string ReportFile = "ingest-report.json";
    /// <summary>The one class name of an unlabelled dataset.</summary>
    public const string UnlabelledClass = "unlabelled";
    private const int Chunk = 256;

    public static IngestReport Run(string inputDir, string outDir, int size, bool strict, IProgress<string>? progress = null) =>
        Run(inputDir, outDir, new FolderIngestOptions { Size = size, Strict = strict }, progress);

    public static IngestReport Run(string inputDir, string outDir, int size, bool strict, IProgress<string>? progress, int maxParallelism) =>
        Run(inputDir, outDir, new FolderIngestOptions { Size = size, Strict = strict, MaxParallelism = maxParallelism }, progress);

    public static IngestReport Run(string inputDir, string outDir, FolderIngestOptions o, IProgress<string>? progress = null)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var skipped = new List<SkippedFile>();
        var written = new Dictionary<string, int>();
        var warnings = new List<string>();
        // Checked before the report could overwrite the report of the dataset already there.
        if (File.Exists(ManifestFile.PathIn(outDir)))
            throw new IngestException($"'{outDir}' already holds a dataset (manifest.json); choose another output folder or delete it first");
        try
        {
            return Ingest(inputDir, outDir, o, progress, skipped, warnings, written, started);
        }
        catch (OperationCanceledException) when (o.Cancel.IsCancellationRequested)
        {
            // Stopped (SIGTERM/Ctrl-C): no manifest is written, so nothing looks complete; the report says so.
            TryWriteReport(outDir, inputDir, written, skipped, warnings, o.Strict, failed: true, error: "stopped by a signal before the end; no dataset was written");
            throw;
        }
        catch (Exception e) when (e is not IngestException { Skipped.Count: > 0 } && e is IngestException or IOException or UnauthorizedAccessException or OutOfMemoryException)
        {
            // The report is written on every ending: here the ingest failed before or while writing records.
            var reportPath = TryWriteReport(outDir, inputDir, written, skipped, warnings, o.Strict, failed: true, error: e.Message);
            throw new IngestException($"{e.Message}{(reportPath is null ? "" : $"; see {reportPath}")}", skipped);
        }
    }

    private static IngestReport Ingest(string inputDir, string outDir, FolderIngestOptions o, IProgress<string>? progress,
        List<SkippedFile> skipped, List<string> warnings, Dictionary<string, int> written, System.Diagnostics.Stopwatch started)
    {
        o.Validate();
        if (!Directory.Exists(inputDir)) throw new IngestException($"input folder '{inputDir}' does not exist");
        bool jpeg = o.Format == ShardCodec.Jpeg;
        int size = jpeg ? o.MaxSide : o.Size, reencoded = 0;
        var splitDirs = FindSplits(inputDir);
        var labelsFile = o.LabelsFile is null ? null : LabelsFile.Load(o.LabelsFile, o.MaxEntries);
        var listed = ListSplits(inputDir, splitDirs, labelsFile, o, skipped, warnings);
        string[] classes = o.Unlabelled ? [UnlabelledClass]
            : listed.Where(s => !s.FromLabelsFile).SelectMany(s => s.ClassFolders)
                .Concat(listed.Any(s => s.FromLabelsFile) ? labelsFile!.Classes : [])
                .Distinct().Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0) throw new IngestException($"'{inputDir}' has no class sub-folders (use --unlabelled for a folder of images without classes)");
        if (!o.Unlabelled) LabelCheck.Run(inputDir, listed, warnings);
        var classIndex = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        int imageBytes = jpeg ? 0 : size * size * 3, threads = o.MaxParallelism <= 0 ? Environment.ProcessorCount : o.MaxParallelism;
        bool failed = false;
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(inputDir)));
        using (var writer = new DatasetWriter(outDir, name, classes, size, size, threads, o.RecordsPerBlock, o.Format) { Source = Path.GetFullPath(inputDir), Labelled = !o.Unlabelled })
        {
            for (int splitIndex = 0; splitIndex < listed.Count; splitIndex++)
            {
                var splitName = listed[splitIndex].Name;
                var files = listed[splitIndex].Files.Select(f => (f.Path, Label: classIndex[f.Class])).ToList();
                if (o.ShuffleSeed is ulong seed) Shuffle(files, new SampleRandom(seed, splitIndex, 0, stream: 0x1A6E57));
                var split = writer.BeginSplit(splitName);
                if (jpeg)
                {
                    reencoded += AddJpeg(split, inputDir, files, o, threads, skipped, progress, splitName, ref failed);
                    written[splitName] = (int)split.Count;
                    continue;
                }
                var images = new byte[Chunk * imageBytes];
                var labels = new int[Chunk];
                var errors = new string?[Chunk];
                for (int start = 0; start < files.Count; start += Chunk)
                {
                    o.Cancel.ThrowIfCancellationRequested(); // a stop request: the catch in Run writes the report
                    int n = Math.Min(Chunk, files.Count - start);
                    Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
                    {
                        try { errors[i] = ImageDecoder.Decode(files[start + i].Path, size, o.MaxPixels, images.AsSpan(i * imageBytes, imageBytes)); }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { errors[i] = $"unreadable ({e.Message})"; }
                        // Anything else the decoder throws for one file (Skia's "Unable to allocate pixels") skips that file, not the ingest.
                        catch (Exception e) when (e is not OperationCanceledException) { errors[i] = $"decoding failed ({e.GetType().Name}: {e.Message})"; }
                    });
                    int kept = 0;
                    for (int i = 0; i < n; i++)
                    {
                        if (errors[i] is { } why) { skipped.Add(new SkippedFile(files[start + i].Path, why)); continue; }
                        if (kept != i) images.AsSpan(i * imageBytes, imageBytes).CopyTo(images.AsSpan(kept * imageBytes));
                        labels[kept++] = files[start + i].Label;
                    }
                    failed |= o.Strict && skipped.Count > 0;
                    if (!failed && kept > 0) split.Add(images.AsSpan(0, kept * imageBytes), labels.AsSpan(0, kept));
                    progress?.Report($"{splitName}: {start + n:N0}/{files.Count:N0} files, {skipped.Count} skipped");
                }
                written[splitName] = (int)split.Count;
            }
            failed |= o.Strict && skipped.Count > 0;
            if (!failed && written.Values.Sum() == 0) { failed = true; skipped.Add(new SkippedFile(inputDir, "no decodable images at all")); }
            // A stop request during the last chunk still leaves no manifest (the catch in Run writes the report).
            o.Cancel.ThrowIfCancellationRequested();
            if (!failed) writer.Complete();
        }
        var reportPath = WriteReport(outDir, inputDir, written, skipped, warnings, o.Strict, failed, error: null);
        if (failed)
            throw new IngestException($"ingest of '{inputDir}' failed: {skipped.Count} file(s) skipped{(o.Strict ? " under --strict" : "")} " +
                $"(first: {skipped[0].Path}: {skipped[0].Reason}); no dataset was written; see {reportPath}", skipped);
        long stored = Directory.EnumerateFiles(outDir, "*.shard").Sum(f => new FileInfo(f).Length);
        return new IngestReport { OutputDir = outDir, Name = name, Written = written, Skipped = skipped, Warnings = warnings, ReportPath = reportPath, Elapsed = started.Elapsed, Reencoded = reencoded, StoredBytes = stored };
    }

    /// <summary>Jpeg format: prepares records in parallel chunks (JpegRecordEncoder) and adds them in file order; returns how many were re-encoded.</summary>
    private static int AddJpeg(SplitWriter split, string inputDir, List<(string Path, int Label)> files, FolderIngestOptions o, int threads,
        List<SkippedFile> skipped, IProgress<string>? progress, string splitName, ref bool failed)
    {
        var results = new (byte[]? Data, byte[] Thumbnail, bool Reencoded, string? Error)[Chunk];
        int reencoded = 0;
        for (int start = 0; start < files.Count; start += Chunk)
        {
            o.Cancel.ThrowIfCancellationRequested();
            int n = Math.Min(Chunk, files.Count - start);
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
            {
                try { results[i] = JpegRecordEncoder.Prepare(files[start + i].Path, o.MaxSide, o.Quality, o.MaxPixels); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { results[i] = (null, [], false, $"unreadable ({e.Message})"); }
                catch (Exception e) when (e is not OperationCanceledException) { results[i] = (null, [], false, $"decoding failed ({e.GetType().Name}: {e.Message})"); }
            });
            for (int i = 0; i < n; i++)
            {
                var (path, label) = files[start + i];
                if (results[i].Error is { } why || results[i].Data is null) { skipped.Add(new SkippedFile(path, results[i].Error ?? "no data")); continue; }
                failed |= o.Strict && skipped.Count > 0;
                if (failed) continue;
                var relative = Path.GetRelativePath(inputDir, path).Replace(Path.DirectorySeparatorChar, '/');
                split.AddEncoded(results[i].Data!, label, relative, results[i].Thumbnail);
                if (results[i].Reencoded) reencoded++;
            }
            Array.Clear(results);
            progress?.Report($"{splitName}: {start + n:N0}/{files.Count:N0} files, {skipped.Count} skipped");
        }
        return reencoded;
    }

    private static void Shuffle(List<(string Path, int Label)> files, SampleRandom rng)
    {
        for (int i = files.Count - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (files[i], files[j]) = (files[j], files[i]);
        }
    }

    private static List<(string Name, string Dir)> FindSplits(string inputDir)
    {
        var train = Path.Combine(inputDir, "train");
        var test = new[] { "test", "val" }.Select(n => Path.Combine(inputDir, n)).FirstOrDefault(Directory.Exists);
        return Directory.Exists(train) && test is not null ? [("train", train), ("test", test)] : [("train", inputDir)];
    }

    /// <summary>
    /// Every split's image files with their class names. With a labels file, a split any of whose images the file lists
    /// is labelled from it (its unlisted images are skipped and reported); a split it does not mention keeps its class
    /// folders, so a file that labels only val/ (Tiny-ImageNet's val_annotations.txt) leaves train/CLASS/ as it is.
    /// </summary>
    private static List<ListedSplit> ListSplits(string inputDir, List<(string Name, string Dir)> splitDirs, LabelsFile? labels,
        FolderIngestOptions o, List<SkippedFile> skipped, List<string> warnings)
    {
        int entries = 0;
        var result = new List<ListedSplit>();
        foreach (var (name, dir) in splitDirs)
        {
            if (o.Unlabelled)
            {
                result.Add(new ListedSplit(name, dir, FolderWalker.Images(dir, o, skipped, ref entries).Select(f => (f, UnlabelledClass)).ToList(), false, []));
                continue;
            }
            if (labels is not null)
            {
                int before = skipped.Count, entriesBefore = entries;
                var images = FolderWalker.Images(dir, o, skipped, ref entries);
                var classOf = images.Select(f => labels.ClassOf(inputDir, Path.GetRelativePath(inputDir, f).Replace(Path.DirectorySeparatorChar, '/'))).ToList();
                if (classOf.Any(c => c is not null))
                {
                    var files = new List<(string Path, string Class)>();
                    for (int i = 0; i < images.Count; i++)
                        if (classOf[i] is { } c) files.Add((images[i], c));
                        else skipped.Add(new SkippedFile(images[i], $"not listed in the labels file '{labels.Path}'"));
                    result.Add(new ListedSplit(name, dir, files, true, []));
                    continue;
                }
                // Not mentioned by the file: walked again below by class folder (the skipped entries of this walk are dropped).
                skipped.RemoveRange(before, skipped.Count - before);
                entries = entriesBefore;
                warnings.Add($"{name}: labelled by its class folders ('{dir}'): the labels file '{labels.Path}' lists none of its images");
            }
            var classFolders = FolderWalker.ClassFolders(dir, skipped);
            foreach (var stray in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
                skipped.Add(new SkippedFile(stray, "not inside a class folder"));
            var byFolder = new List<(string Path, string Class)>();
            foreach (var cls in classFolders)
                foreach (var f in FolderWalker.Images(Path.Combine(dir, cls), o, skipped, ref entries)) byFolder.Add((f, cls));
            result.Add(new ListedSplit(name, dir, byFolder, false, classFolders));
        }
        if (labels is not null && !result.Any(s => s.FromLabelsFile))
            throw new IngestException($"labels file '{labels.Path}' lists none of the images under '{inputDir}' (first entry: '{labels.FirstEntry}'); " +
                "list each image by its path relative to that folder, or by a unique end of it such as its file name");
        if (labels?.Unmatched is > 0 and var unmatched)
            warnings.Add($"{unmatched:N0} entr{(unmatched == 1 ? "y" : "ies")} of the labels file '{labels.Path}' match no image");
        return result;
    }

    private static string? TryWriteReport(string outDir, string inputDir, Dictionary<string, int> written, List<SkippedFile> skipped, List<string> warnings,
        bool strict, bool failed, string? error)
    {
        try { return WriteReport(outDir, inputDir, written, skipped, warnings, strict, failed, error); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private static string WriteReport(string outDir, string inputDir, Dictionary<string, int> written, List<SkippedFile> skipped, List<string> warnings,
        bool strict, bool failed, string? error)
    {
        Directory.CreateDirectory(outDir);
        var path = Path.Combine(outDir, ReportFile);
        var json = JsonSerializer.Serialize(new
        {
            input = Path.GetFullPath(inputDir), strict, complete = !failed, error, written, warnings, skippedCount = skipped.Count,
            skipped = skipped.Select(s => new { path = s.Path, reason = s.Reason }),
        }, new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.WriteAllText(path, json);
        return path;
    }
}
