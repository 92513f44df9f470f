using Nnclr.Data.Augment;
using Nnclr.Host.Configuration;
using ModelOpts = Nnclr.Model.ModelOptions;
using TrainerOpts = Nnclr.Model.NnclrOptions;

namespace Nnclr.Host.Training;

/// <summary>Translates the host's configuration sections into Nnclr.Model's and Nnclr.Data's option types.</summary>
public static class ConfigMapping
{
    /// <summary>Backbone and heads.</summary>
    public static ModelOpts ToModel(ResolvedConfig cfg)
    {
        var b = cfg.Model.Backbone;
        var (arch, stem) = b == "tiny-cnn" ? ("tiny", "cifar")
            : b.EndsWith("-cifar", StringComparison.Ordinal) ? (b[..^"-cifar".Length], "cifar")
            : (b, "imagenet");
        return new ModelOpts
        {
            Arch = arch, Stem = stem,
            ProjectorHidden = cfg.Model.ProjectorHidden, ProjectorOut = cfg.Model.ProjectorOut, PredictorHidden = cfg.Model.PredictorHidden,
        };
    }

    /// <summary>Support set, loss, optimiser and schedule; the schedule spans Optim:Epochs whatever Run:MaxSteps says.</summary>
    public static TrainerOpts ToTrainer(ResolvedConfig cfg, long stepsPerEpoch) => new()
    {
        SupportSetSize = cfg.Nnclr.SupportSetSize,
        Temperature = cfg.Nnclr.Temperature,
        TopK = cfg.Nnclr.TopK,
        Loss = cfg.Nnclr.Loss == "same-view-negatives" ? "simclr" : cfg.Nnclr.Loss,
        Optimizer = cfg.Optim.Optimizer,
        BaseLr = cfg.Optim.LearningRate,
        WeightDecay = cfg.Optim.WeightDecay,
        Momentum = cfg.Optim.Momentum,
        LarsEta = cfg.Optim.LarsEta,
        WarmupSteps = cfg.Optim.WarmupEpochs * stepsPerEpoch,
        TotalSteps = cfg.Optim.Epochs * stepsPerEpoch,
        Precision = cfg.Model.Precision,
        ChannelsLast = cfg.Model.ChannelsLast,
        Seed = cfg.Run.Seed,
    };

    /// <summary>The trainer a run, a benchmark or an evaluation uses; a setting the trainer rejects is a configuration error.</summary>
    public static Nnclr.Model.NnclrTrainer CreateTrainer(ResolvedConfig cfg, long stepsPerEpoch, TorchSharp.torch.Device device)
    {
        try
        {
            return new Nnclr.Model.NnclrTrainer(ToModel(cfg), ToTrainer(cfg, stepsPerEpoch), cfg.Optim.BatchSize, device);
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(e.Message, e);
        }
    }

    /// <summary>The backbone alone, initialised from Run:Seed as the trainer's, for evaluation; a bad setting is a configuration error.</summary>
    public static Nnclr.Model.FeatureNetwork CreateFeatureNetwork(ResolvedConfig cfg, TorchSharp.torch.Device device)
    {
        try
        {
            return new Nnclr.Model.FeatureNetwork(ToModel(cfg), cfg.Run.Seed, cfg.Model.Precision, cfg.Model.ChannelsLast, device);
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(e.Message, e);
        }
    }

    /// <summary>The two-view policy: the named preset, with the crop-area floor and solarize switch applied to both views.</summary>
    public static TwoViewPolicy ToPolicy(AugmentOptions a)
    {
        var p = TwoViewPolicy.FromName(a.Policy);
        foreach (var v in new[] { p.View1, p.View2 })
        {
            v.CropAreaMin = a.MinCropArea;
            if (!a.Solarize) v.SolarizeP = 0;
        }
        p.Validate();
        return p;
    }

    /// <summary>
    /// Per-channel normalisation of training and evaluation views: CIFAR-10's statistics for every dataset (no
    /// setting selects another; a network only needs the same affine map in training and evaluation).
    /// </summary>
    public static (float[] Mean, float[] Std) Normalisation() => (Normalization.CifarMean, Normalization.CifarStd);

    /// <summary>
    /// The normalisation for an opened dataset: its train split's mean/std computed at ingest, except for CIFAR-10 and
    /// the demo dataset, which keep the constants their presets were tuned with (results stay bit-identical).
    /// </summary>
    public static (float[] Mean, float[] Std) Normalisation(Nnclr.Data.Shards.DatasetManifest manifest) =>
        manifest.Name is not ("cifar10" or "demo") && manifest.FindSplit("train") is { Mean.Count: 3, Std.Count: 3 } t && t.Std.All(v => v > 0)
            ? (t.Mean.Select(v => (float)v).ToArray(), t.Std.Select(v => (float)v).ToArray())
            : Normalisation();
}
