using Nnclr.Data;
using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;
using Nnclr.Host.Cli;
using Nnclr.Host.Commands.Data;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr ingest cifar10|cifar100|folder|demo …`: source data → LZ4 shards + manifest.json (written last).</summary>
public sealed class IngestCommand : ICliCommand
{
    public string Name => "ingest";
    public string Summary => "convert CIFAR-10/100, STL-10, an image folder or the demo dataset into LZ4 shards";
    public IReadOnlyList<CliArgument> Arguments { get; } =
    [
        new("KIND", "What to ingest", Choices: ["cifar10", "cifar100", "stl10", "folder", "demo"]),
        new("SOURCE", "cifar10|cifar100: the .tar.gz or extracted folder; stl10: the stl10_binary folder; folder: the image folder; demo: none", Required: false),
    ];

    public IReadOnlyList<CliOption> Options { get; } =
    [
        CliOption.Text("out", "DIR", "Output dataset folder (required)"),
        CliOption.Int("threads", "Worker threads (output bytes do not depend on it)", "all cores"),
        CliOption.Text("format", "raw|jpeg", "folder: raw pixels at --size, or JPEG records (shard format v2)", "raw"),
        CliOption.Int("size", "folder --format raw: side in pixels (resized and centre-cropped)"),
        CliOption.Int("max-side", "folder --format jpeg: longer side above which images are re-encoded", "512"),
        CliOption.Int("quality", "folder --format jpeg: JPEG quality of re-encoded images", "90"),
        CliOption.Switch("strict", "folder: any unusable file is fatal"),
        CliOption.Switch("unlabelled", "folder: every image at any depth, one unlabelled class"),
        CliOption.Text("labels", "FILE", "folder: 'relative/path CLASS' per line labels the splits it lists images of"),
        CliOption.Double("max-megapixels", "folder: images declaring more are skipped before decoding", "64", "MP"),
        CliOption.Long("seed", "folder: record order shuffle seed; demo: generator seed", "1"),
        CliOption.Int("train", "demo: training images", "10000"),
        CliOption.Int("test", "demo: test images", "2000"),
    ];

    public string Usage => """
        Forms: ingest cifar10|cifar100 SOURCE --out DIR; ingest stl10 SOURCE --out DIR;
               ingest folder SOURCE (--size S | --format jpeg) --out DIR; ingest demo --out DIR.
          folder: <dir>/CLASS/*.jpg|png, or <dir>/train/CLASS and <dir>/test|val/CLASS for two splits.
                  --unlabelled: every .jpg/.jpeg/.png at any depth, one unlabelled class (no kNN on it).
                  --labels FILE: images labelled by FILE: one 'relative/path CLASS' per line (tab, comma or space
                  separated; paths relative to <dir>, or a unique end of them such as the file name; columns after a
                  tab-separated class are ignored). A split FILE lists images of is labelled from it at any depth (its
                  unlisted images are skipped and reported); a split it does not mention keeps its class folders. So
                  Tiny-ImageNet (train/CLASS/images/*.JPEG, val/images/*.JPEG) is --labels <dir>/val/val_annotations.txt.
                  val/ becomes the split 'test'. A test split whose images all fall in classes train lacks (a val/images
                  folder read as a class) is refused, naming this fix.
                  Directory symlinks are not followed (listed as skipped). Images whose header declares more than
                  --max-megapixels (default 64) are skipped before decoding. Records are written in an order
                  shuffled by --seed (default 1). Unusable files are listed in DIR/ingest-report.json (written
                  on every ending, also a failed one); --strict makes any of them fatal.
                  --format raw (default): --size S pixels, resized and centre-cropped, LZ4.
                  --format jpeg: full images as JPEG records (shard format v2): a JPEG whose longer side is ≤ --max-side
                  keeps its bytes; others are resized to --max-side and re-encoded at --quality. Each record keeps
                  its relative path. Train with a crop size of your choice (RandomResizedCrop on the full image).
          --threads N   worker threads (default: all cores; output bytes do not depend on it)
        """;

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        var kind = args.Positional(0, "what to ingest: cifar10, cifar100, stl10, folder or demo");
        var outDir = args.Required("out");
        int threads = args.Int("threads") ?? -1;
        var progress = new StderrProgress("ingest");
        try
        {
            if (kind is not ("cifar10" or "cifar100" or "folder" or "stl10" or "demo"))
                throw new CliException($"unknown source kind '{kind}'; choose cifar10, cifar100, stl10, folder or demo");
            // One writer per dataset folder: a second ingest into it is refused at once, naming the first.
            using var folderLock = FolderLock.Acquire(outDir, $"nnclr ingest {kind}");
            switch (kind)
            {
                case "cifar10" or "cifar100":
                {
                    var source = args.Positional(1, "the CIFAR .tar.gz or extracted folder");
                    args.EnsureAllUsed();
                    var r = CifarIngest.Run(source, outDir, kind == "cifar10" ? CifarKind.Cifar10 : CifarKind.Cifar100, progress, threads);
                    progress.End();
                    Print(r);
                    return Task.FromResult(0);
                }
                case "folder":
                {
                    var source = args.Positional(1, "the image folder");
                    var format = args.String("format") ?? "raw";
                    if (format is not ("raw" or "jpeg")) throw new CliException($"--format {format}: choose raw or jpeg");
                    bool jpeg = format == "jpeg";
                    int size = args.Int("size") ?? (jpeg ? 0 : throw new CliException("missing required option --size (or use --format jpeg)"));
                    var options = new FolderIngestOptions
                    {
                        Format = jpeg ? ShardCodec.Jpeg : ShardCodec.Raw, MaxSide = args.Int("max-side") ?? 512, Quality = args.Int("quality") ?? 90,
                        LabelsFile = args.String("labels"),
                        Size = size, Strict = args.Flag("strict"), MaxParallelism = threads, Unlabelled = args.Flag("unlabelled"),
                        MaxMegapixels = args.Double("max-megapixels") ?? FolderIngestOptions.DefaultMaxMegapixels,
                        ShuffleSeed = (ulong)(args.Long("seed") ?? 1),
                        Cancel = ct,
                    };
                    args.EnsureAllUsed();
                    var r = FolderIngest.Run(source, outDir, options, progress);
                    progress.End();
                    Print(r);
                    return Task.FromResult(0);
                }
                case "stl10":
                {
                    var source = args.Positional(1, "the extracted stl10_binary folder");
                    args.EnsureAllUsed();
                    var r = Stl10Ingest.Run(source, outDir, progress, threads);
                    progress.End();
                    Print(r);
                    return Task.FromResult(0);
                }
                case "demo":
                {
                    int train = args.Int("train") ?? 10_000, test = args.Int("test") ?? 2_000;
                    ulong seed = (ulong)(args.Long("seed") ?? 1);
                    args.EnsureAllUsed();
                    var sw = System.Diagnostics.Stopwatch.StartNew();
                    DemoDataset.Generate(outDir, train, test, seed);
                    Console.WriteLine($"wrote demo dataset to {outDir}: train {train:N0}, test {test:N0} images of 32x32 in {sw.Elapsed.TotalSeconds:F1} s");
                    return Task.FromResult(0);
                }
                default:
                    throw new CliException($"unknown source kind '{kind}'; choose cifar10, cifar100, stl10, folder or demo");
            }
        }
        catch (Exception e) when (e is IngestException or ShardFormatException or IOException or UnauthorizedAccessException)
        {
            progress.End();
            Console.Error.WriteLine($"nnclr ingest: {e.Message}");
            return Task.FromResult(1);
        }
        finally
        {
            progress.End(); // also when stopped by a signal: the terminal line ends before the exit message
        }
    }

    private static void Print(IngestReport r)
    {
        int total = r.Written.Values.Sum();
        Console.WriteLine($"wrote {r.OutputDir}: {string.Join(", ", r.Written.Select(kv => $"{kv.Key} {kv.Value:N0}"))} images in {r.Elapsed.TotalSeconds:F1} s" +
            (total > 0 && r.StoredBytes > 0 ? $" ({total / Math.Max(1e-9, r.Elapsed.TotalSeconds):F1} images/s, {r.StoredBytes / (double)total / 1024:F1} KiB/image stored" +
                $"{(r.Reencoded > 0 ? $", {r.Reencoded} re-encoded" : "")})" : ""));
        foreach (var w in r.Warnings) Console.Error.WriteLine($"nnclr ingest: warning: {w}");
        if (r.Skipped.Count > 0)
        {
            Console.WriteLine($"skipped {r.Skipped.Count:N0} file(s), every one listed in {r.ReportPath}:");
            foreach (var line in SkippedSummary(r.Skipped, MaxReasons)) Console.WriteLine($"  {line}");
        }
    }

    /// <summary>Reasons listed in the skipped-files summary; the rest are counted (all are in the report file).</summary>
    private const int MaxReasons = 5;

    /// <summary>
    /// The skipped files grouped by reason (the reason up to its first digit or parenthesis, so "unreadable (…)" is one
    /// reason), most frequent first: "200 × not a .jpg/.jpeg/.png file (e.g. DIR/x.txt)", at most <paramref name="max"/> lines.
    /// </summary>
    internal static IEnumerable<string> SkippedSummary(IReadOnlyList<SkippedFile> skipped, int max)
    {
        static string Kind(string reason)
        {
            int cut = reason.IndexOfAny(['(', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
            return (cut > 0 ? reason[..cut] : reason).TrimEnd(' ', ',', ':', '=');
        }
        var groups = skipped.GroupBy(s => Kind(s.Reason), StringComparer.Ordinal).OrderByDescending(g => g.Count()).ToList();
        foreach (var g in groups.Take(max))
            yield return $"{g.Count():N0} × {g.First().Reason} (e.g. {g.First().Path})";
        if (groups.Count > max) yield return $"… {groups.Skip(max).Sum(g => g.Count()):N0} more for {groups.Count - max} other reason(s)";
    }
}
