using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Model;
using Nnclr.Pipeline.Session;

namespace Nnclr.Host.Commands;

/// <summary>What `nnclr eval knn|linear` evaluate, from their flags: a checkpoint's network, or a preset's at random initialisation.</summary>
public static class EvalTarget
{
    /// <summary>Options read: --checkpoint FILE|DIR|WEIGHTS (a weights file with --preset, default cpu-smoke), or --random-init with --preset NAME [--seed N]; --data DIR; --device.</summary>
    public static EvalSupport Open(CliArgs args)
    {
        var checkpoint = args.String("checkpoint");
        bool randomInit = args.Flag("random-init");
        var preset = args.String("preset");
        var seed = args.Long("seed");
        var data = args.String("data");
        var device = args.String("device") ?? "auto";
        if ((checkpoint is null) == !randomInit)
            throw new CliException("give either --checkpoint FILE|DIR or --random-init (with --preset NAME)");
        TrainerState? state = null;
        WeightsFile? weights = null;
        ResolvedConfig config;
        string source;
        if (checkpoint is not null && !Directory.Exists(checkpoint) && File.Exists(checkpoint) && !CheckpointLocator.IsCheckpoint(checkpoint))
        {
            // A weights file (safetensors / .pth, torchvision names): the preset (default cpu-smoke) gives the evaluation settings.
            var encoder = EncoderSource.Open(checkpoint, _ => { });
            weights = encoder.Weights;
            config = NnclrConfiguration.Resolve(new TrainFlags
            {
                Preset = preset ?? "cpu-smoke",
                Overrides = new Dictionary<string, string?>
                {
                    ["Model:Backbone"] = encoder.Model.Backbone,
                    ["Augment:ViewSize"] = encoder.InputSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            });
            source = encoder.Description;
        }
        else if (checkpoint is not null)
        {
            (state, var meta, var path) = ReadCheckpoint(checkpoint);
            config = NnclrConfiguration.FromJson(meta.ConfigJson, path);
            CheckpointFit.Require(path, state, config.Model, config.Nnclr); // sizes from the stored config only once the tensors agree
            source = $"checkpoint {path} (step {meta.Step})";
        }
        else
        {
            var overrides = new Dictionary<string, string?>();
            if (seed is { } s) overrides["Run:Seed"] = s.ToString(System.Globalization.CultureInfo.InvariantCulture);
            config = NnclrConfiguration.Resolve(new TrainFlags
            {
                Preset = preset ?? throw new CliException("--random-init needs --preset NAME (the network to initialise)"),
                Overrides = overrides,
            });
            source = $"random init (preset {config.Run.Preset}, seed {config.Run.Seed})";
        }
        try { return new EvalSupport(config, state, source, data, device, weights); }
        catch (Exception e) when (e is ArgumentException or WeightsFormatException) { throw new CliException($"--checkpoint {checkpoint}: {e.Message}"); }
    }

    private static (TrainerState, CheckpointMeta, string) ReadCheckpoint(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path)) throw new CliException($"--checkpoint: {path} does not exist");
        // A folder: the run's own newest valid checkpoint, when it has run.json.
        try { return CheckpointLocator.Latest(path, w => Console.Error.WriteLine("warning: " + w)); }
        catch (CheckpointFormatException e) when (Directory.Exists(path)) { throw new CliException($"--checkpoint: {e.Message}"); }
    }
}
