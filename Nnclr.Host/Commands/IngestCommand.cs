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
    public string Usage => """
        usage: nnclr ingest cifar10|cifar100 <archive.tar.gz | extracted folder> --out DIR
               nnclr ingest folder <dir> --size S --out DIR [--strict] [--unlabelled | --labels FILE] [--max-megapixels MP] [--seed N]
               nnclr ingest folder <dir> --format jpeg --out DIR [--max-side 512] [--quality 90] [--strict] [--unlabelled] …
               nnclr ingest stl10 <stl10_binary folder> --out DIR
               nnclr ingest demo --out DIR [--train N] [--test N] [--seed N]
          folder: <dir>/CLASS/*.jpg|png, or <dir>/train/CLASS and <dir>/test|val/CLASS for two splits.
                  --unlabelled: every .jpg/.jpeg/.png at any depth, one unlabelled class (no kNN on it).
                  --labels FILE: every image at any depth, labelled by FILE: one 'relative/path CLASS' per line
                  (tab, comma or space separated; paths relative to <dir>); unlisted images are skipped and reported.
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
            switch (kind)
            {
                case "cifar10" or "cifar100":
                {
                    var source = args.Positional(1, "the CIFAR .tar.gz or extracted folder");
                    args.EnsureAllUsed();
                    var r = CifarIngest.Run(source, outDir, kind == "cifar10" ? CifarKind.Cifar10 : CifarKind.Cifar100, progress, threads);
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
                    Print(r);
                    return Task.FromResult(0);
                }
                case "stl10":
                {
                    var source = args.Positional(1, "the extracted stl10_binary folder");
                    args.EnsureAllUsed();
                    Print(Stl10Ingest.Run(source, outDir, progress, threads));
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
            Console.Error.WriteLine($"nnclr ingest: {e.Message}");
            return Task.FromResult(1);
        }
    }

    private static void Print(IngestReport r)
    {
        int total = r.Written.Values.Sum();
        Console.WriteLine($"wrote {r.OutputDir}: {string.Join(", ", r.Written.Select(kv => $"{kv.Key} {kv.Value:N0}"))} images in {r.Elapsed.TotalSeconds:F1} s" +
            (total > 0 && r.StoredBytes > 0 ? $" ({total / Math.Max(1e-9, r.Elapsed.TotalSeconds):F1} images/s, {r.StoredBytes / (double)total / 1024:F1} KiB/image stored" +
                $"{(r.Reencoded > 0 ? $", {r.Reencoded} re-encoded" : "")})" : ""));
        if (r.Skipped.Count > 0)
        {
            Console.WriteLine($"skipped {r.Skipped.Count} file(s) (listed in {r.ReportPath}):");
            foreach (var s in r.Skipped) Console.WriteLine($"  {s.Path}: {s.Reason}");
        }
    }
}
