using Nnclr.Data.Shards;
using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Model;
using Nnclr.Model.Runtime;
using Nnclr.Pipeline.Evaluation;
using TorchSharp;

namespace Nnclr.Host.Training;

/// <summary>What `nnclr eval knn|linear` evaluate: a checkpoint's network, or a preset's network at random initialisation.</summary>
public sealed class EvalSupport : IDisposable
{
    // The backbone to evaluate (restored from the checkpoint, or freshly initialised); no heads, optimiser or support set.
    private readonly FeatureNetwork _network;
    // Train split: kNN memory / linear-probe training set.
    private readonly ShardDataset _train;
    // Test split: queries.
    private readonly ShardDataset _test;

    /// <summary>The run configuration the network was built from.</summary>
    public ResolvedConfig Config { get; }

    /// <summary>"checkpoint PATH (step N)" or "random init (preset P, seed S)".</summary>
    public string Source { get; }

    public torch.Device Device { get; }

    /// <summary>Both splits' evaluator, normalised as in training.</summary>
    public KnnEvaluation Evaluation { get; }

    /// <summary>The backbone whose features are evaluated.</summary>
    public FeatureNetwork Network => _network;

    /// <summary>Options read: --checkpoint FILE|DIR|WEIGHTS (a weights file with --preset, default cpu-smoke), or --random-init with --preset NAME [--seed N]; --data DIR; --device.</summary>
    public EvalSupport(CliArgs args)
    {
        var checkpoint = args.String("checkpoint");
        bool randomInit = args.Flag("random-init");
        var preset = args.String("preset");
        var seed = args.Long("seed");
        var data = args.String("data");
        var device = args.String("device") ?? "auto";
        if ((checkpoint is null) == !randomInit)
            throw new CliException("give either --checkpoint FILE|DIR or --random-init (with --preset NAME)");
        TorchRuntime.EnsureLoaded();
        TrainerState? state = null;
        WeightsFile? weights = null;
        if (checkpoint is not null && !Directory.Exists(checkpoint) && File.Exists(checkpoint) && !CheckpointLocator.IsCheckpoint(checkpoint))
        {
            // A weights file (safetensors / .pth, torchvision names): the preset (default cpu-smoke) gives the evaluation settings.
            var source = Commands.EncoderSource.Open(checkpoint, _ => { });
            weights = source.Weights;
            Config = NnclrConfiguration.Resolve(new TrainFlags
            {
                Preset = preset ?? "cpu-smoke",
                Overrides = new Dictionary<string, string?>
                {
                    ["Model:Backbone"] = source.Model.Backbone,
                    ["Augment:ViewSize"] = source.InputSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            });
            Source = source.Description;
        }
        else if (checkpoint is not null)
        {
            (state, var meta, var path) = ReadCheckpoint(checkpoint);
            Config = NnclrConfiguration.FromJson(meta.ConfigJson, path);
            CheckpointFit.Require(path, state, Config.Model, Config.Nnclr); // sizes from the stored config only once the tensors agree
            Source = $"checkpoint {path} (step {meta.Step})";
        }
        else
        {
            var overrides = new Dictionary<string, string?>();
            if (seed is { } s) overrides["Run:Seed"] = s.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Config = NnclrConfiguration.Resolve(new TrainFlags
            {
                Preset = preset ?? throw new CliException("--random-init needs --preset NAME (the network to initialise)"),
                Overrides = overrides,
            });
            Source = $"random init (preset {Config.Run.Preset}, seed {Config.Run.Seed})";
        }
        var dir = data is not null ? Path.GetFullPath(data) : DatasetLocator.Ensure(Config.Data, _ => { });
        _train = ShardDataset.Open(dir, "train");
        if (!(_train.Manifest.FindSplit("train")!.Labelled && _train.Manifest.FindSplit("test") is { Labelled: true }))
        {
            _train.Dispose();
            throw new CliException($"{dir}: no labelled split: kNN and linear evaluation need labelled train and test splits");
        }
        _test = ShardDataset.Open(dir, "test");
        Device = torch.device(TorchRuntime.ResolveDevice(device));
        _network = ConfigMapping.CreateFeatureNetwork(Config, Device);
        try
        {
            if (state is not null) _network.Load(state);
            if (weights is not null) _network.Load(weights);
        }
        catch (Exception e) when (e is ArgumentException or WeightsFormatException)
        {
            _network.Dispose();
            throw new CliException($"--checkpoint {checkpoint}: {e.Message}");
        }
        var (mean, std) = ConfigMapping.Normalisation(_train.Manifest);
        Evaluation = new KnnEvaluation(_train, _test, Config.Augment.ViewSize, mean, std, Config.Eval.KnnK, Config.Eval.KnnTemperature,
            Config.Pipeline.AugmentThreads);
    }

    private static (TrainerState, Nnclr.Model.CheckpointMeta, string) ReadCheckpoint(string path)
    {
        if (Directory.Exists(path))
        {
            var dir = Directory.Exists(Path.Combine(path, "checkpoints")) ? Path.Combine(path, "checkpoints") : path;
            var run = Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)) == "checkpoints" ? RunIdentity.Load(Path.GetDirectoryName(Path.GetFullPath(dir))!, w => Console.Error.WriteLine("warning: " + w)) : null;
            var latest = new CheckpointDirectory(dir, keepLast: int.MaxValue, run)
                .LoadLatestValid(w => Console.Error.WriteLine("warning: " + w)) // the run's own newest, when the folder has run.json
                ?? throw new CliException($"--checkpoint: no valid checkpoint in {dir}");
            return (latest.State, latest.Meta, latest.Path);
        }
        if (!File.Exists(path)) throw new CliException($"--checkpoint: {path} does not exist");
        var (state, meta) = CheckpointFile.Read(path);
        return (state, meta, Path.GetFullPath(path));
    }

    public void Dispose()
    {
        _network.Dispose();
        _train.Dispose();
        _test.Dispose();
    }
}
