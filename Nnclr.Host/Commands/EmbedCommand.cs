using System.Diagnostics;
using System.Text.Json;
using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;
using Nnclr.Host.Cli;
using Nnclr.Model;
using Nnclr.Model.Runtime;
using Nnclr.Pipeline.Embedding;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr embed`: every image of a folder or a dataset split through the encoder, L2-normalised, written with its path.</summary>
public sealed class EmbedCommand : ICliCommand
{
    public string Name => "embed";
    public string Summary => "embeddings (L2-normalised backbone or projector outputs) of a folder's images or a dataset split";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        CliOption.Text("checkpoint", "FILE|DIR|RUN_DIR|WEIGHTS", "A checkpoint, checkpoints folder or run directory (newest valid checkpoint), or weights: safetensors with torchvision key names (nnclr export) or a PyTorch state_dict (.pth) (required)"),
        CliOption.Text("images", "DIR", "Every .jpg/.jpeg/.png under DIR, any depth, decoded as `ingest folder` does"),
        CliOption.Text("data", "DIR", "An ingested dataset instead of --images"),
        CliOption.Text("split", "S", "The dataset split for --data", "test"),
        CliOption.Text("out", "F.npy|F.safetensors|F.parquet", "F.npy (float32 [N, D]) + F.paths.txt, or F.safetensors (tensor \"embeddings\", paths as JSON metadata), or F.parquet (columns path, embedding) (required)"),
        CliOption.Switch("projector", "The projector's output instead of the backbone's"),
        CliOption.Int("batch-size", "Images per forward pass", "256"),
        CliOption.Int("threads", "Decode threads (0 = all cores)", "0"),
        SharedOptions.Device,
        SharedOptions.Json,
    ];
    public string Usage => "Same inputs and weights give the same bytes. Progress on stderr.";

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        var checkpoint = args.Required("checkpoint");
        var images = args.String("images");
        var data = args.String("data");
        var split = args.String("split") ?? "test";
        var output = args.Required("out");
        bool projector = args.Flag("projector"), json = args.Flag("json");
        int batch = args.Int("batch-size") ?? 256, threads = args.Int("threads") ?? 0;
        var deviceSetting = args.String("device") ?? "auto";
        args.EnsureAllUsed();
        if ((images is null) == (data is null)) throw new CliException("give exactly one of --images DIR and --data DIR");
        if (batch is < 1 or > 65_536) throw new CliException($"--batch-size must be between 1 and 65536, got {batch}");
        if (threads is < 0 or > 256) throw new CliException($"--threads must be between 0 and 256, got {threads}");
        if (Path.GetExtension(output).ToLowerInvariant() is not (".npy" or ".safetensors" or ".parquet"))
            throw new CliException($"--out {output}: the name must end in .npy, .safetensors or .parquet");

        TorchRuntime.EnsureLoaded();
        var source = EncoderSource.Open(checkpoint, w => Console.Error.WriteLine($"nnclr embed: warning: {w}"));
        var device = TorchRuntime.ResolveDevice(deviceSetting);
        Encoder encoder;
        try { encoder = new Encoder(source.Model, source.Weights, projector, device); }
        catch (WeightsFormatException e) { throw new CliException(e.Message); }
        using var _ = encoder;
        ShardDataset? dataset = null;
        try
        {
            var skipped = new List<SkippedFile>();
            EmbeddingInput input;
            try
            {
                if (images is not null) input = EmbeddingInput.Folder(images, source.InputSize, source.Mean, source.Std, skipped);
                else
                {
                    dataset = ShardDataset.Open(Path.GetFullPath(data!), split);
                    input = EmbeddingInput.Dataset(dataset, split, source.InputSize, source.Mean, source.Std);
                }
            }
            catch (Exception e) when (e is IngestException or ArgumentException or IOException or InvalidDataException)
            {
                throw new CliException($"{images ?? data}: {e.Message}");
            }
            foreach (var s in skipped) Console.Error.WriteLine($"nnclr embed: skipped {s.Path}: {s.Reason}");
            var what = $"{source.Description}{(projector ? ", projector" : "")}, {source.InputSize} px";
            Console.Error.WriteLine($"nnclr embed: {input.Count} images through {what} on {device}");
            var watch = Stopwatch.StartNew();
            long lastReport = 0;
            var (set, failed) = ImageEmbedder.Run(input, encoder, what, batch, threads, (done, total) =>
            {
                if (done == total || watch.ElapsedMilliseconds - lastReport >= 2000)
                {
                    lastReport = watch.ElapsedMilliseconds;
                    Console.Error.WriteLine($"nnclr embed: {done}/{total} ({done / Math.Max(watch.Elapsed.TotalSeconds, 1e-3):F0} images/s)");
                }
            }, ct);
            double seconds = watch.Elapsed.TotalSeconds;
            foreach (var (name, problem) in failed) Console.Error.WriteLine($"nnclr embed: skipped {name}: {problem}");
            var files = set.Write(output);
            if (json)
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    files, count = set.Count, dim = set.Dim, skipped = skipped.Count + failed.Count, source = what,
                    seconds = Math.Round(seconds, 3), imagesPerSecond = Math.Round(input.Count / Math.Max(seconds, 1e-9), 1),
                }));
            else
                Console.WriteLine($"wrote {string.Join(" + ", files)}: {set.Count} embeddings of {set.Dim} ({skipped.Count + failed.Count} skipped) " +
                                  $"in {seconds:F1} s ({input.Count / Math.Max(seconds, 1e-9):F0} images/s)");
            return Task.FromResult(0);
        }
        finally
        {
            dataset?.Dispose();
        }
    }
}
