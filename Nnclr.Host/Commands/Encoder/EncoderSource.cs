using Nnclr.Data.Augment;
using Nnclr.Data.Shards;
using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Pipeline.Session;
using Nnclr.Model;

namespace Nnclr.Host.Commands;

/// <summary>
/// What `--checkpoint C` (embed, neighbors, export) or `--init-from F` (train) names, as weights plus how to feed them:
/// a checkpoint file, a checkpoints folder or a run directory (newest valid checkpoint; architecture, view size and
/// the dataset's normalisation from its stored configuration), or a weights file — safetensors with torchvision key
/// names or a PyTorch state_dict (.pth) — whose architecture comes from its metadata or its keys, and whose input
/// size and mean/std come from its metadata, else torchvision's (224 px, ImageNet statistics) for the ImageNet stem
/// and CIFAR-10's (32 px) for the CIFAR stem and tiny-cnn.
/// </summary>
public sealed class EncoderSource
{
    /// <summary>The weights, torchvision-named (heads as projector.*, predictor.*).</summary>
    public required WeightsFile Weights { get; init; }
    /// <summary>Backbone and head sizes to build.</summary>
    public required ModelOptions Model { get; init; }
    /// <summary>Input side in pixels.</summary>
    public required int InputSize { get; init; }
    /// <summary>Per-channel normalisation (0–1 pixel values).</summary>
    public required float[] Mean { get; init; }
    public required float[] Std { get; init; }
    /// <summary>Training steps behind the weights (0 when unknown).</summary>
    public required long Step { get; init; }
    /// <summary>"checkpoint PATH (step N)" or "weights PATH (resnet18)".</summary>
    public required string Description { get; init; }
    /// <summary>The whole trainer state (checkpoints only).</summary>
    public TrainerState? State { get; init; }
    /// <summary>The training configuration (checkpoints only).</summary>
    public ResolvedConfig? Config { get; init; }

    /// <summary>The metadata an export of these weights carries.</summary>
    public IReadOnlyDictionary<string, string> ExportMetadata => new WeightsMetadata(Model.Backbone, InputSize, Mean, Std, Step).ToDictionary();

    /// <summary>Opens <paramref name="path"/>; one <see cref="CliException"/> naming the file for anything unusable.</summary>
    public static EncoderSource Open(string path, Action<string> warn)
    {
        try
        {
            if (!File.Exists(path) && !Directory.Exists(path)) throw new CliException($"--checkpoint: {path} does not exist");
            return CheckpointLocator.IsCheckpoint(path) ? FromCheckpoint(path, warn) : FromWeights(path);
        }
        catch (Exception e) when (e is CheckpointFormatException or WeightsFormatException)
        {
            throw new CliException(e.Message);
        }
    }

    private static EncoderSource FromCheckpoint(string path, Action<string> warn)
    {
        var (state, meta, file) = CheckpointLocator.Latest(path, warn);
        var cfg = NnclrConfiguration.FromJson(meta.ConfigJson, file);
        CheckpointFit.Require(file, state, cfg.Model, cfg.Nnclr);
        var (mean, std) = Normalisation(cfg, warn);
        return new EncoderSource
        {
            Weights = WeightsFile.FromTrainerState(file, state, new Dictionary<string, string>()),
            Model = cfg.Model, InputSize = cfg.Augment.ViewSize, Mean = mean, Std = std, Step = meta.Step,
            Description = $"checkpoint {file} (step {meta.Step})", Config = cfg, State = state,
        };
    }

    private static EncoderSource FromWeights(string path)
    {
        var weights = WeightsFile.Read(path);
        var backbone = BackboneWeights.InferBackbone(weights);
        var model = new ModelOptions { Backbone = backbone };
        if (weights.TryGet("projector.0.weight", out var p0) && weights.TryGet("projector.6.weight", out var p6) && p0.Shape.Length == 2 && p6.Shape.Length == 2)
        {
            model.ProjectorHidden = checked((int)p0.Shape[0]);
            model.ProjectorOut = checked((int)p6.Shape[0]);
        }
        var (size, mean, std) = WeightsMetadata.Preprocessing(weights.Metadata);
        var fallback = WeightsMetadata.DefaultPreprocessing(backbone);
        long step = weights.Metadata.TryGetValue("step", out var s) && long.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out long v) ? v : 0;
        return new EncoderSource
        {
            Weights = weights, Model = model,
            InputSize = size ?? fallback.InputSize, Mean = mean ?? fallback.Mean, Std = std ?? fallback.Std,
            Step = step, Description = $"weights {weights.Path} ({backbone})",
        };
    }

    // The dataset's normalisation as training used it; CIFAR-10's constants when its shards are not here (with a warning).
    private static (float[] Mean, float[] Std) Normalisation(ResolvedConfig cfg, Action<string> warn)
    {
        if (cfg.Data.Dataset is "cifar10" or "demo") return ConfigMapping.Normalisation();
        var dir = DatasetLocator.DirectoryFor(cfg.Data);
        if (File.Exists(Path.Combine(dir, "manifest.json")))
        {
            try
            {
                using var data = ShardDataset.Open(dir, "train");
                return ConfigMapping.Normalisation(data.Manifest);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
            {
                warn($"the training dataset {dir} cannot be opened ({e.Message}): normalising with CIFAR-10's mean/std, which may differ from training");
                return ConfigMapping.Normalisation();
            }
        }
        warn($"the training dataset's shards ({dir}) are not here: normalising with CIFAR-10's mean/std, which may differ from training");
        return ConfigMapping.Normalisation();
    }
}
