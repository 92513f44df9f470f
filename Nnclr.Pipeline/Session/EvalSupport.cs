using Nnclr.Data.Shards;
using Nnclr.Pipeline.Configuration;
using Nnclr.Model;
using Nnclr.Model.Runtime;
using Nnclr.Pipeline.Evaluation;
using TorchSharp;

namespace Nnclr.Pipeline.Session;

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
    public TrainingConfig Config { get; }

    /// <summary>"checkpoint PATH (step N)" or "random init (preset P, seed S)".</summary>
    public string Source { get; }

    public torch.Device Device { get; }

    /// <summary>Both splits' evaluator, normalised as in training.</summary>
    public KnnEvaluation Evaluation { get; }

    /// <summary>The backbone whose features are evaluated.</summary>
    public FeatureNetwork Network => _network;

    /// <summary>
    /// Opens the labelled train and test splits of <paramref name="data"/> (null: the configuration's dataset) and builds
    /// the backbone of <paramref name="config"/> on <paramref name="device"/>, loaded from <paramref name="state"/> when
    /// given (else at random initialisation). A state that does not fit the network throws <see cref="ArgumentException"/>.
    /// </summary>
    /// <remarks><paramref name="weights"/>: a weights file (safetensors/.pth with torchvision names) loaded instead of a state.</remarks>
    public EvalSupport(TrainingConfig config, TrainerState? state, string source, string? data, string device, WeightsFile? weights = null)
    {
        (Config, Source) = (config, source);
        TorchRuntime.EnsureLoaded();
        var dir = data is not null ? Path.GetFullPath(data) : DatasetLocator.Ensure(Config.Data, _ => { });
        _train = ShardDataset.Open(dir, "train");
        if (!(_train.Manifest.FindSplit("train")!.Labelled && _train.Manifest.FindSplit("test") is { Labelled: true }))
        {
            _train.Dispose();
            throw new ConfigurationException($"{dir}: no labelled split: kNN and linear evaluation need labelled train and test splits");
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
            Dispose();
            throw;
        }
        var (mean, std) = ConfigMapping.Normalisation(_train.Manifest);
        Evaluation = new KnnEvaluation(_train, _test, Config.Augment.ViewSize, mean, std, Config.Eval.KnnK, Config.Eval.KnnTemperature,
            Config.Pipeline.AugmentThreads);
    }

    /// <summary>
    /// Weighted kNN of the network's features with <paramref name="k"/> and <paramref name="temperature"/> (null: the
    /// configuration's Eval:KnnK / Eval:KnnTemperature); also returns the evaluation used (its k, τ and splits).
    /// </summary>
    public (double Top1, double Top5, KnnEvaluation Used) Knn(int? k, double? temperature, CancellationToken cancel)
    {
        var evaluation = Evaluation.With(k ?? Evaluation.K, temperature ?? Evaluation.Temperature);
        var (top1, top5) = evaluation.Evaluate(_network.Features, Device, cancel: cancel);
        return (top1, top5, evaluation);
    }

    /// <summary>A linear probe on the frozen features, <paramref name="epochs"/> epochs seeded by Run:Seed.</summary>
    public (double Top1, double Top5) Linear(int epochs, CancellationToken cancel) =>
        Evaluation.EvaluateLinear(_network.Features, Device, epochs, Config.Run.Seed, cancel);

    public void Dispose()
    {
        _network.Dispose();
        _train.Dispose();
        _test.Dispose();
    }
}
