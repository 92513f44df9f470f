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
    public string Usage => """
        usage: nnclr export --checkpoint FILE|DIR [--format safetensors] --out FILE [--include-heads] [--json]
               nnclr export --random-init --arch resnet18|resnet34|resnet50|tiny [--stem cifar|imagenet] [--seed N]
                            [--include-heads [--projector-hidden N] [--projector-out N] [--predictor-hidden N]] --out FILE [--json]
          --checkpoint   a checkpoint file, or a checkpoints folder (its newest valid checkpoint is used)
          --include-heads  also write projector.* and predictor.*
          The same weights always give the same bytes.
        """;

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
            stem = args.String("stem") ?? "cifar";
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
                source = $"random-init {arch} ({stem} stem, seed {seed})";
                SafetensorsExporter.ExportRandomInit(model, seed, output, heads);
            }
            else
            {
                var (state, meta, path) = Load(checkpoint!);
                source = $"{path} (step {meta.Step})";
                SafetensorsExporter.Export(state, output, heads);
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

    private static (TrainerState State, CheckpointMeta Meta, string Path) Load(string checkpoint)
    {
        if (!Directory.Exists(checkpoint))
        {
            var (state, meta) = CheckpointFile.Read(checkpoint);
            return (state, meta, checkpoint);
        }
        var latest = new CheckpointDirectory(checkpoint, keepLast: int.MaxValue)
            .LoadLatestValid(w => Console.Error.WriteLine($"nnclr export: warning: {w}"));
        return latest ?? throw new CheckpointFormatException(checkpoint, "folder holds no valid checkpoint (ckpt-*.nnclr)");
    }
}
