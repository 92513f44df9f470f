using System.Diagnostics;
using Nnclr.Data.Shards;
using Nnclr.Host.Cli;
using Nnclr.Host.Commands.Data;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr bench read`: shuffled epoch reading (memory-mapped shards, checksum, LZ4 decode, copy out) on one thread.</summary>
public sealed class BenchReadCommand : ICliCommand
{
    public string Name => "bench read";
    public string Summary => "shard read + LZ4 decode throughput (images/s, GB/s) of a dataset";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        CliOption.Text("data", "DIR", "Dataset shard directory (required)"),
        CliOption.Text("split", "NAME", "Split to read", "train"),
        CliOption.Int("batch", "Images per batch", "256"),
        CliOption.Double("seconds", "How long to read", "5", "T"),
        CliOption.Switch("no-shuffle", "Read in stored order"),
        SharedOptions.Json,
    ];
    public string Usage => "One EpochReader (single consumer, as in training), reading batches until T seconds have passed.";

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        var dir = args.Required("data");
        var split = args.String("split") ?? "train";
        int batch = args.Int("batch") ?? 256;
        double seconds = args.Double("seconds") ?? 5;
        bool noShuffle = args.Flag("no-shuffle"), json = args.Flag("json");
        args.EnsureAllUsed();
        if (batch < 1) throw new CliException($"--batch {batch} must be ≥ 1");
        try
        {
            using var ds = ShardDataset.Open(dir, split);
            if (batch > ds.Count) throw new CliException($"--batch {batch} is larger than split '{split}' ({ds.Count} images)");
            var reader = new EpochReader(ds, 1, new DataCursor(0, 0), shuffle: !noShuffle);
            var images = new byte[batch * ds.ImageBytes]; var labels = new int[batch]; var keys = new long[batch];
            for (int i = 0; i < 4; i++) reader.ReadBatch(batch, images, labels, keys); // warm-up
            long n = 0;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < seconds)
            {
                reader.ReadBatch(batch, images, labels, keys);
                n += batch;
            }
            double s = sw.Elapsed.TotalSeconds, perSecond = n / s;
            double storedPerImage = (double)ds.StoredBytes / ds.Count;
            var result = new
            {
                directory = Path.GetFullPath(dir), split, batch, shuffle = !noShuffle, seconds = Math.Round(s, 2), images = n,
                epochs = Math.Round((double)n / ds.Count, 2),
                imagesPerSecond = Math.Round(perSecond),
                decodedGBps = Math.Round(perSecond * ds.ImageBytes / 1e9, 3),
                compressedGBps = Math.Round(perSecond * storedPerImage / 1e9, 3),
            };
            if (json) JsonOut.Write(result);
            else Console.WriteLine($"{split} of {dir}: {perSecond:F0} images/s, {result.decodedGBps} GB/s decoded ({result.compressedGBps} GB/s compressed), batch {batch}, {result.epochs} epochs in {s:F1} s");
            return Task.FromResult(0);
        }
        catch (ShardFormatException e)
        {
            Console.Error.WriteLine($"nnclr bench read: {e.Message}");
            return Task.FromResult(1);
        }
    }
}
