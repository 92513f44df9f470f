using Microsoft.Extensions.Logging;
using Nnclr.Data.Augment;
using Nnclr.Data.Shards;
using Nnclr.Model;
using Nnclr.Model.Runtime;
using Nnclr.Pipeline.Adapters;
using Nnclr.Pipeline.Configuration;
using Nnclr.Pipeline.Evaluation;
using Nnclr.Pipeline.Ports;
using Nnclr.Pipeline.Session;
using TorchSharp;

namespace Nnclr.Pipeline.Finetune;

/// <summary>
/// The ports of `nnclr finetune`, run by the same <see cref="TrainingSession"/> as training (read → augment workers →
/// upload → step → checkpoint; metrics.jsonl, TensorBoard, status.json, progress, SIGTERM → checkpoint, --resume):
/// the labelled subset in memory (<see cref="SubsetSource"/>), the two-view augmenter with the crops-only policy (the
/// step uses view 1: RandomResizedCrop + flip), a <see cref="FinetuneTrainer"/> and the output's checkpoint folder.
/// <see cref="Finish"/> measures top-1/top-5 on the test split (centre views) and exports backbone + fc.
/// </summary>
public sealed class FinetunePorts : ITrainingPorts
{
    private readonly ShardDataset _train, _test;
    private readonly FinetuneTrainer _trainer;
    private readonly SubsetSource _source;
    private readonly FinetuneJob _job;
    private readonly TrainingConfig _cfg;
    private readonly torch.Device _device;
    private readonly float[] _mean, _std;

    public IBatchSource Source => _source;
    public IViewAugmenter Augmenter { get; }
    public ITrainStep Trainer { get; }
    public ICheckpointSink Checkpoints { get; }
    public BatchGeometry Geometry { get; }
    public long StepsPerEpoch { get; }
    public long StartStep { get; }
    public string Device { get; }

    // The labelled images and the recipe (the job's).
    private LabelledSubset Subset { get; }
    private FinetuneRecipe Recipe { get; }

    /// <param name="configJson">The configuration stored in checkpoints and compared on --resume (the run's sections plus the fine-tune's own).</param>
    public FinetunePorts(TrainingConfig cfg, FinetuneJob job, string configJson, ILogger log)
    {
        (_cfg, _job) = (cfg, job);
        try { TorchRuntime.EnsureLoaded(); }
        catch (TorchLoadException e) { throw new ConfigurationException(e.Message, e); }
        Device = cfg.ResolveDevice();
        _device = torch.device(Device);
        if (cfg.Run.Deterministic) TorchRuntime.UseDeterministicAlgorithms();
        _train = ShardDataset.Open(job.DataDir, "train");
        try
        {
            if (!(_train.Manifest.FindSplit("train") is { Labelled: true } && _train.Manifest.FindSplit("test") is { Labelled: true }))
                throw new ConfigurationException($"{job.DataDir}: no labelled train and test splits: fine-tuning needs labels");
            _test = ShardDataset.Open(job.DataDir, "test");
        }
        catch { _train.Dispose(); throw; }
        try
        {
            (Subset, Recipe) = (job.Subset, job.Recipe);
            log.LogInformation("{Message}", $"fine-tuning {job.Source} on {Subset.Count} labelled images ({Subset.Origin}), batch {Recipe.BatchSize}, " +
                $"lr {LrSchedule.ScaledPeak(Recipe.BaseLearningRate, Recipe.BatchSize):G4} (Nesterov SGD, cosine, no weight decay), {Recipe.Epochs} epochs");
            (_mean, _std) = ConfigMapping.Normalisation(_train.Manifest);
            bool jpeg = _train.Codec == ShardCodec.Jpeg;
            Geometry = new BatchGeometry(Recipe.BatchSize, _train.Height, _train.Width, cfg.Augment.ViewSize) { EncodedRecordBytes = jpeg ? _train.MaxRecordBytes : 0 };
            var augment = new AugmentOptions { Policy = "crops-only", MinCropArea = cfg.Augment.MinCropArea, Solarize = false, ViewSize = cfg.Augment.ViewSize };
            var policy = ConfigMapping.ToPolicy(augment);
            ulong seed = unchecked((ulong)cfg.Run.Seed);
            Augmenter = jpeg
                ? new JpegTwoViewAugmenterPort(new JpegTwoViewAugmenter(policy, _train.Height, cfg.Augment.ViewSize, _mean, _std), seed)
                : new TwoViewAugmenterPort(new TwoViewAugmenter(policy, _train.Height, _train.Width, cfg.Augment.ViewSize, _mean, _std), seed);
            StepsPerEpoch = Subset.Count / Recipe.BatchSize;
            _trainer = Wrap(() => new FinetuneTrainer(cfg.Model, _train.Classes.Count, Recipe, StepsPerEpoch, cfg.Run.Seed, _device));
            var cursor = new DataCursor(0, 0);
            var (dir, latest) = RunCheckpoints.Open(cfg.RunDir, cfg.Checkpoint.Keep, configJson, cfg.Run.Resume, w => log.LogWarning("{Message}", w),
                state =>
                {
                    try { _trainer.Restore(state); return null; }
                    catch (Exception e) when (e is ArgumentException or KeyNotFoundException) { return e.Message; }
                }, cfg.AllowedChanges);
            if (latest is { } c)
            {
                StartStep = c.Meta.Step;
                cursor = c.Meta.Cursor;
                log.LogInformation("resuming from {path}: step {step}, data at epoch {epoch} position {position}", c.Path, c.Meta.Step, cursor.Epoch, cursor.Position);
            }
            else
            {
                if (cfg.Run.Resume) log.LogInformation("--resume: no usable checkpoint in {dir}; starting the fine-tune afresh", dir.Directory);
                try
                {
                    if (job.InitState is { } state) _trainer.LoadBackbone(state);
                    if (job.Weights is { } weights) _trainer.LoadBackbone(weights);
                }
                catch (Exception e) when (e is ArgumentException or WeightsFormatException) { throw new ConfigurationException($"{job.Source}: {e.Message}", e); }
            }
            _source = new SubsetSource(_train, Subset, seed, cursor, Recipe.BatchSize);
            Trainer = new FinetuneStep(_trainer);
            Checkpoints = new CheckpointDirectorySink(dir, configJson, cfg.Run.Seed);
        }
        catch
        {
            _trainer?.Dispose();
            _train.Dispose();
            _test.Dispose();
            throw;
        }
    }

    // A network the model refuses is a configuration error (exit 2, one line).
    private static T Wrap<T>(Func<T> make)
    {
        try { return make(); }
        catch (ArgumentException e) { throw new ConfigurationException(e.Message, e); }
    }

    /// <summary>Top-1/top-5 (%) of the fine-tuned network on the test split, and the export; nothing after a stop.</summary>
    public IReadOnlyDictionary<string, double> Finish(PipelineResult result, CancellationToken stop)
    {
        var final = new Dictionary<string, double>();
        if (result.Stopped) return final;
        var (top1, top5) = Evaluate(stop);
        final["finetune_top1"] = Math.Round(100 * top1, 2);
        final["finetune_top5"] = Math.Round(100 * top5, 2);
        final["labelled_images"] = Subset.Count;
        FinetuneTrainer.Export(_trainer.Snapshot(), Path.Combine(_cfg.RunDir, FinetuneJob.ExportFile), _job.ExportMetadata);
        return final;
    }

    /// <summary>Top-1 and top-5 (fractions) of the network now on the test split's centre views.</summary>
    public (double Top1, double Top5) Evaluate(CancellationToken cancel)
    {
        var (logits, labels) = FeatureExtractor.Extract(_test, _trainer.Logits, _device, _cfg.Augment.ViewSize, _mean, _std,
            threads: _cfg.Pipeline.AugmentThreads, cancel: cancel);
        using (logits)
        using (labels)
        {
            var (top1, top5) = TopKAccuracy.Count(logits, labels);
            long n = labels.shape[0];
            return n == 0 ? (0, 0) : ((double)top1 / n, (double)top5 / n);
        }
    }

    public void Dispose()
    {
        _trainer.Dispose();
        _train.Dispose();
        _test.Dispose();
    }
}
