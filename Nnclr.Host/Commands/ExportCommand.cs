using System.Security.Cryptography;
using System.Text.Json;
using Nnclr.Host.Cli;
using Nnclr.Model;
using Nnclr.Model.Runtime;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr export`: a checkpoint's (or a freshly initialised) backbone as safetensors with torchvision's key names.</summary>
public sealed class ExportCommand : ICliCommand
{
    public string Name => "export";
    public string Summary => "write a checkpoint's backbone (or a random-init one) as safetensors with torchvision key names";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        CliOption.Text("checkpoint", "FILE|DIR", "A checkpoint file, a checkpoints folder or a run directory (its newest valid checkpoint is used)"),
        CliOption.Switch("random-init", "Export a freshly initialised network instead (needs --arch)"),
        CliOption.Text("arch", "resnet18|resnet34|resnet50|tiny", "Architecture for --random-init"),
        CliOption.Text("stem", "imagenet|cifar", "Stem for --random-init: imagenet (torchvision's 7×7 conv + max-pool, loads into torchvision.models.resnetNN) or cifar (3×3 stride-1 conv, no max-pool)", "imagenet"),
        CliOption.Long("seed", "Initialisation seed for --random-init", "0"),
        CliOption.Int("projector-hidden", "Projector hidden width for --random-init --include-heads", "2048"),
        CliOption.Int("projector-out", "Projector output width for --random-init --include-heads", "256"),
        CliOption.Int("predictor-hidden", "Predictor hidden width for --random-init --include-heads", "4096"),
        CliOption.Text("format", "safetensors", "Output format", "safetensors"),
        CliOption.Text("out", "FILE", "Output file (required)"),
        CliOption.Switch("include-heads", "Also write projector.* and predictor.*"),
        SharedOptions.Json,
    ];
    public string Usage => "Metadata: architecture, stem, input_size, mean, std, step, nnclr_version, nnclr_commit. The same weights always give the same bytes.";

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        var format = args.String("format") ?? "safetensors";
        if (format != "safetensors") throw new CliException($"--format: '{format}' is not supported (safetensors)");
        var output = args.Required("out");
        bool heads = args.Flag("include-heads"), json = args.Flag("json"), random = args.Flag("random-init");
        var checkpoint = args.String("checkpoint");
        if (random == (checkpoint is not null)) throw new CliException("give exactly one of --checkpoint and --random-init");
        ModelOptions? model = null;
        string arch = "", stem = "";
        long seed = 0;
        if (random)
        {
            arch = args.Required("arch");
            stem = args.String("stem") ?? "imagenet";
            if (!args.Has("stem") && arch is not ("tiny" or "tiny-cnn"))
                Console.Error.WriteLine("nnclr export: --stem not given: using the ImageNet stem (torchvision's 7×7 conv + max-pool); --stem cifar for the CIFAR one");
            if (stem is not ("cifar" or "imagenet")) throw new CliException($"--stem: '{stem}' is not one of cifar, imagenet");
            model = new ModelOptions
            {
                // Model:Backbone spelling: "tiny-cnn", "resnetNN" (ImageNet stem) or "resnetNN-cifar".
                Backbone = arch is "tiny" or "tiny-cnn" ? "tiny-cnn" : stem == "cifar" ? arch + "-cifar" : arch,
                ProjectorHidden = args.Int("projector-hidden") ?? 2048, ProjectorOut = args.Int("projector-out") ?? 256,
                PredictorHidden = args.Int("predictor-hidden") ?? 4096,
            };
            seed = args.Long("seed") ?? 0;
            if (OptionsRules.AttributeProblems(model).FirstOrDefault() is { } problem)
                throw new CliException(problem.Replace("Model:Backbone", "--arch", StringComparison.Ordinal)
                    .Replace("Model:ProjectorHidden", "--projector-hidden", StringComparison.Ordinal)
                    .Replace("Model:ProjectorOut", "--projector-out", StringComparison.Ordinal)
                    .Replace("Model:PredictorHidden", "--predictor-hidden", StringComparison.Ordinal));
        }
        args.EnsureAllUsed();

        TorchRuntime.EnsureLoaded();
        string source;
        try
        {
            if (model is not null)
            {
                source = model.Backbone == "tiny-cnn" ? $"random-init tiny-cnn (seed {seed})" : $"random-init {arch} ({stem} stem, seed {seed})";
                SafetensorsExporter.ExportRandomInit(model, seed, output, heads, WeightsMetadata.ForRandomInit(model.Backbone).ToDictionary());
            }
            else
            {
                if (!CheckpointLocator.IsCheckpoint(checkpoint!)) throw new CliException($"--checkpoint: {checkpoint} is not a checkpoint file, checkpoints folder or run directory");
                var encoder = EncoderSource.Open(checkpoint!, w => Console.Error.WriteLine($"nnclr export: warning: {w}"));
                source = encoder.Description;
                SafetensorsExporter.Export(encoder.State!, output, heads, encoder.ExportMetadata);
            }
        }
        catch (CheckpointFormatException e)
        {
            Console.Error.WriteLine($"nnclr export: {e.Message}");
            return Task.FromResult(1);
        }
        var bytes = File.ReadAllBytes(output);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new { output = Path.GetFullPath(output), source, bytes = bytes.LongLength, sha256 = sha }));
        else
            Console.WriteLine($"wrote {output}: {bytes.LongLength:N0} bytes, sha256 {sha}, from {source}");
        return Task.FromResult(0);
    }
}
