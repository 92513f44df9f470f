using Nnclr.Data.Augment;
using Nnclr.Pipeline.Configuration;

namespace Nnclr.Pipeline.Session;

/// <summary>
/// Builds the model and data objects a run needs from the bound sections. The Model, Nnclr and Optim sections are
/// Nnclr.Model's own option types, passed through unchanged (no value renaming between layers).
/// </summary>
public static class ConfigMapping
{
    /// <summary>The trainer a run or a benchmark uses (the schedule spans Optim:Epochs whatever Run:MaxSteps says); a setting the trainer rejects is a configuration error.</summary>
    /// <paramref name="collectives"/>: the data-parallel engine (null = one process); the trainer then computes B/N of the global batch.
    public static Nnclr.Model.NnclrTrainer CreateTrainer(TrainingConfig cfg, long stepsPerEpoch, TorchSharp.torch.Device device,
        Nnclr.Model.Distributed.ICollectives? collectives = null)
    {
        try
        {
            return new Nnclr.Model.NnclrTrainer(cfg.Model, cfg.Nnclr, cfg.Optim, stepsPerEpoch, cfg.Run.Seed, device, collectives);
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(e.Message, e);
        }
    }

    /// <summary>The backbone alone, initialised from Run:Seed as the trainer's, for evaluation; a bad setting is a configuration error.</summary>
    public static Nnclr.Model.FeatureNetwork CreateFeatureNetwork(TrainingConfig cfg, TorchSharp.torch.Device device)
    {
        try
        {
            return new Nnclr.Model.FeatureNetwork(cfg.Model, cfg.Run.Seed, device);
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
