using Microsoft.Extensions.Logging;
using Nnclr.Data.Augment;
using Nnclr.Data.Shards;
using Nnclr.Host.Configuration;
using Nnclr.Host.Hosting;
using Nnclr.Model;
using Nnclr.Model.Runtime;
using Nnclr.Pipeline;
using Nnclr.Pipeline.Adapters;
using Nnclr.Pipeline.Evaluation;
using Nnclr.Pipeline.Ports;
using TorchSharp;
using DataCursor = Nnclr.Pipeline.Ports.DataCursor;

namespace Nnclr.Host.Training;

/// <summary>
/// The real ports of a training run: CIFAR-10 or demo shards, the SIMD two-view augmenter, the NNCLR trainer and
/// the checkpoint directory. Handles --resume (latest valid checkpoint, damaged newest skipped with a warning),
/// periodic kNN on the train thread, and the final kNN against the random-initialisation baseline.
/// </summary>
public sealed class TrainingPorts : ITrainingPorts
{
    // Train split (source of batches, kNN memory); disposed with the ports.
    private readonly ShardDataset _train;
    // Test split (kNN queries).
    private readonly ShardDataset _test;
    // The only owner of the model; touched by the train thread while the pipeline runs, then by Finish.
    private readonly NnclrTrainer _trainer;
    // Reads the train split in seeded per-epoch order from the resumed cursor.
    private readonly EpochReaderSource _source;
    // Evaluates feature functions on (train, test).
    private readonly KnnEvaluation _knn;
    // The configuration this run uses.
    private readonly ResolvedConfig _cfg;
    // Device of the trainer.
    private readonly torch.Device _device;
    // Where messages go (the host's log format).
    private readonly ILogger _log;

    public IBatchSource Source => _source;
    public IViewAugmenter Augmenter { get; }
    public ITrainStep Trainer { get; }
    public ICheckpointSink Checkpoints { get; }
    public BatchGeometry Geometry { get; }
    public long StepsPerEpoch { get; }
    public long StartStep { get; }
    public string Device { get; }

    public TrainingPorts(ResolvedConfig cfg, ILogger log)
    {
        _cfg = cfg;
        _log = log;
        TorchRuntime.EnsureLoaded();
        Device = cfg.ResolveDevice();
        if (Device.StartsWith("cuda", StringComparison.Ordinal) && !torch.cuda.is_available())
            throw new ConfigurationException($"Pipeline:Device is '{Device}' but CUDA is not available (run './nnclr doctor')");
        _device = torch.device(Device);
        if (cfg.Run.Deterministic) TorchRuntime.UseDeterministicAlgorithms();
        else if (Device.StartsWith("cuda", StringComparison.Ordinal))
        {
            torch.backends.cuda.matmul.allow_tf32 = true;
            torch.backends.cudnn.allow_tf32 = true;
        }

        var dataDir = DatasetLocator.Ensure(cfg.Data, m => log.LogInformation("{Message}", m));
        _train = ShardDataset.Open(dataDir, "train");
        _test = ShardDataset.Open(dataDir, "test");
        int batch = cfg.Optim.BatchSize;
        var (mean, std) = ConfigMapping.Normalisation(cfg);
        Geometry = new BatchGeometry(batch, _train.Height, _train.Width, cfg.Augment.ViewSize);
        Augmenter = new TwoViewAugmenterPort(
            new TwoViewAugmenter(ConfigMapping.ToPolicy(cfg.Augment), _train.Height, _train.Width, cfg.Augment.ViewSize, mean, std),
            unchecked((ulong)cfg.Run.Seed));
        _knn = new KnnEvaluation(_train, _test, cfg.Augment.ViewSize, mean, std, cfg.Eval.KnnK, cfg.Eval.KnnTemperature);

        StepsPerEpoch = _train.Count / batch;
        if (StepsPerEpoch == 0)
            throw new ConfigurationException($"Optim:BatchSize {batch} is larger than the training split ({_train.Count} images in {dataDir})");
        _trainer = ConfigMapping.CreateTrainer(cfg, StepsPerEpoch, _device);

        var dir = new CheckpointDirectory(Path.Combine(cfg.RunDir, "checkpoints"), cfg.Checkpoint.Keep);
        var cursor = new DataCursor(0, 0);
        long epochsDone = 0;
        if (cfg.Run.Resume)
        {
            var latest = dir.LoadLatestValid(w => log.LogWarning("{Message}", w));
            if (latest is { } c)
            {
                _trainer.Restore(c.State);
                StartStep = c.Meta.Step;
                cursor = new DataCursor(c.Meta.CursorEpoch, c.Meta.CursorPosition);
                epochsDone = c.Meta.Epoch;
                log.LogInformation("resuming from {Path}: step {Step}, data at epoch {Epoch} position {Position}",
                    c.Path, c.Meta.Step, cursor.Epoch, cursor.Position);
            }
            else log.LogInformation("--resume: no checkpoint in {Dir}; starting a new run", Path.Combine(cfg.RunDir, "checkpoints"));
        }
        _source = new EpochReaderSource(_train, unchecked((ulong)cfg.Run.Seed), cursor, batch);
        Trainer = new TrainerStep(_trainer, PeriodicKnn, epochsDone);
        Checkpoints = new CheckpointDirectorySink(dir, cfg.ToJson(), cfg.Run.Seed);
    }

    // On the train thread after each epoch: kNN every Eval:KnnEveryEpochs epochs.
    private void PeriodicKnn(NnclrTrainer trainer, long epoch)
    {
        int every = _cfg.Eval.KnnEveryEpochs;
        if (every <= 0 || (epoch + 1) % every != 0) return;
        var started = DateTime.UtcNow;
        var (top1, top5) = _knn.Evaluate(trainer.Features, _device, limitTrain: _cfg.Eval.PeriodicTrainLimit);
        _log.LogInformation("kNN after epoch {Epoch}: top-1 {Top1:F2}% top-5 {Top5:F2}% ({Seconds:F1} s)",
            epoch + 1, 100 * top1, 100 * top5, (DateTime.UtcNow - started).TotalSeconds);
    }

    public IReadOnlyDictionary<string, double> Finish(PipelineResult result)
    {
        var final = new Dictionary<string, double>();
        if (result.Stopped) return final; // a stop request must end promptly: no evaluation
        var (top1, top5) = _knn.Evaluate(_trainer.Features, _device);
        final["knn_top1"] = Math.Round(100 * top1, 2);
        final["knn_top5"] = Math.Round(100 * top5, 2);
        if (_cfg.Eval.Baseline)
        {
            using var fresh = ConfigMapping.CreateTrainer(_cfg, StepsPerEpoch, _device);
            var (b1, b5) = _knn.Evaluate(fresh.Features, _device);
            final["knn_top1_random_init"] = Math.Round(100 * b1, 2);
            final["knn_top5_random_init"] = Math.Round(100 * b5, 2);
            final["knn_top1_gain_points"] = Math.Round(100 * (top1 - b1), 2);
        }
        return final;
    }

    public void Dispose()
    {
        _source.Dispose();
        _trainer.Dispose();
        _train.Dispose();
        _test.Dispose();
    }
}
