using Microsoft.Extensions.Logging;
using Nnclr.Data.Augment;
using Nnclr.Data.Shards;
using Nnclr.Pipeline.Configuration;
using Nnclr.Model;
using Nnclr.Model.Distributed;
using Nnclr.Model.Runtime;
using Nnclr.Pipeline;
using Nnclr.Pipeline.Adapters;
using Nnclr.Pipeline.Evaluation;
using Nnclr.Pipeline.Ports;
using TorchSharp;

namespace Nnclr.Pipeline.Session;

/// <summary>
/// The real ports of a training run: CIFAR-10 or demo shards, the SIMD two-view augmenter, the NNCLR trainer and
/// the checkpoint directory. Handles --resume (latest valid checkpoint, damaged newest skipped with a warning),
/// periodic kNN (started at an epoch's end, run off the train thread), and the final kNN against the random-initialisation baseline.
/// <para>Data parallel (launched by mpirun/srun, <see cref="ProcessCollectives"/>): Optim:BatchSize stays the global batch B and
/// this rank trains on its slice B/N of each global batch; rank 0 alone writes checkpoints and evaluates (kNN, periodic and
/// final; the other ranks wait for it when they finalise MPI); --resume loads rank 0's newest checkpoint on every rank, after rank 0 has
/// opened the run's checkpoint folder, and the ranks check they resume the same step and cursor.</para>
/// </summary>
public sealed class TrainingPorts : ITrainingPorts
{
    // Train split (source of batches, kNN memory); disposed with the ports.
    private readonly ShardDataset _train;
    // Test split (kNN queries).
    private readonly ShardDataset? _test;
    // kNN memory: the labelled train split (_train itself unless Data:TrainSplit names another split); owned when different.
    private readonly ShardDataset? _knnTrain;
    // The only owner of the model; touched by the train thread while the pipeline runs, then by Finish.
    private readonly NnclrTrainer _trainer;
    // Reads the train split in seeded per-epoch order from the resumed cursor.
    private readonly EpochReaderSource _source;
    // Evaluates feature functions on (train, test).
    private readonly KnnEvaluation? _knn;
    // The backbone periodic and final kNN run on: a copy of the trainer's, so evaluation leaves the train thread.
    private readonly FeatureNetwork _evalNet;
    // The periodic kNN in flight on its own thread (null when none); owns _evalNet while running.
    private Task? _periodic;
    // Cancelled on Dispose, so an unfinished periodic kNN ends within a batch.
    private readonly CancellationTokenSource _disposed = new();
    // The configuration this run uses.
    private readonly TrainingConfig _cfg;
    // Device of the trainer.
    private readonly torch.Device _device;
    // Where messages go (the host's log format).
    private readonly ILogger _log;
    // Told about each periodic kNN (metrics.jsonl, TensorBoard, meters, heartbeat); null until the run sets it.
    private volatile IEvaluationObserver? _evaluations;
    // Told the final evaluation's progress and each network's result; null until the run sets it.
    private IFinalEvaluationObserver? _final;

    public IBatchSource Source => _source;
    public IViewAugmenter Augmenter { get; }
    public ITrainStep Trainer { get; }
    public ICheckpointSink Checkpoints { get; }
    public BatchGeometry Geometry { get; }
    public long StepsPerEpoch { get; }
    public long StartStep { get; }
    public string Device { get; }

    /// <summary>The collectives engine of this process (world 1 without a launcher).</summary>
    public ICollectives Collectives { get; }

    public TrainingPorts(TrainingConfig cfg, ILogger log, ProcessCollectives? distributed = null)
    {
        _cfg = cfg;
        _log = log;
        // A libtorch that does not load is a set-up error (exit 2, one line with the cause), not a failed run.
        try { TorchRuntime.EnsureLoaded(); }
        catch (TorchLoadException e) { throw new ConfigurationException(e.Message, e); }
        Device = cfg.ResolveDevice(); // refuses a CUDA device that does not load, with the cause and fix
        _device = torch.device(Device);
        try { Collectives = distributed?.Get(cfg, Device) ?? SingleProcessCollectives.Instance; }
        catch (DistributedLaunchException e) { throw new ConfigurationException(e.Message, e); }
        var comm = Collectives;
        if (cfg.Optim.BatchSize % comm.WorldSize != 0)
            throw new ConfigurationException($"Optim:BatchSize {cfg.Optim.BatchSize} (the global batch) is not divisible by the world size {comm.WorldSize}");
        bool rank0 = comm.Rank == 0;
        if (cfg.Run.Deterministic) TorchRuntime.UseDeterministicAlgorithms();
        else if (Device.StartsWith("cuda", StringComparison.Ordinal))
        {
            torch.backends.cuda.matmul.allow_tf32 = true;
            torch.backends.cudnn.allow_tf32 = true;
        }

        var dataDir = DatasetLocator.Ensure(cfg.Data, m => log.LogInformation("{Message}", m));
        _train = ShardDataset.Open(dataDir, cfg.Data.TrainSplit);
        // kNN needs labels on both sides: a labelled train split and a labelled test split.
        bool labelled = _train.Manifest.FindSplit("train") is { Labelled: true } && _train.Manifest.FindSplit("test") is { Labelled: true };
        bool jpeg = _train.Codec == ShardCodec.Jpeg;
        _test = labelled ? ShardDataset.Open(dataDir, "test") : null;
        // Self-supervised on another split (STL-10's unlabelled): kNN's memory is still the labelled train split.
        _knnTrain = _test is null ? null : cfg.Data.TrainSplit == "train" ? _train : ShardDataset.Open(dataDir, "train");
        if (!labelled) log.LogInformation("{Message}", $"{dataDir}: no labelled split: skipping kNN");
        int batch = cfg.Optim.BatchSize, localBatch = batch / comm.WorldSize;
        var (mean, std) = ConfigMapping.Normalisation(_train.Manifest);
        // Jpeg records: the read stage hands encoded bytes (≤ maxRecordBytes each) on; the augment stage decodes them.
        Geometry = new BatchGeometry(localBatch, _train.Height, _train.Width, cfg.Augment.ViewSize) { EncodedRecordBytes = jpeg ? _train.MaxRecordBytes : 0 };
        Augmenter = jpeg
            ? new JpegTwoViewAugmenterPort(new JpegTwoViewAugmenter(ConfigMapping.ToPolicy(cfg.Augment), _train.Height, cfg.Augment.ViewSize, mean, std), unchecked((ulong)cfg.Run.Seed))
            : new TwoViewAugmenterPort(
                new TwoViewAugmenter(ConfigMapping.ToPolicy(cfg.Augment), _train.Height, _train.Width, cfg.Augment.ViewSize, mean, std),
                unchecked((ulong)cfg.Run.Seed));
        _knn = _test is null || !rank0 ? null : new KnnEvaluation(_knnTrain!, _test, cfg.Augment.ViewSize, mean, std, cfg.Eval.KnnK, cfg.Eval.KnnTemperature,
            cfg.Pipeline.AugmentThreads);

        StepsPerEpoch = _train.Count / batch;
        if (StepsPerEpoch == 0)
            throw new ConfigurationException($"Optim:BatchSize {batch} is larger than the training split ({_train.Count} images in {dataDir})");
        _trainer = ConfigMapping.CreateTrainer(cfg, StepsPerEpoch, _device, comm);
        // solo-learn's online linear accuracy on labelled training data (attached before a resume restores its state).
        if (cfg.Eval.OnlineLinear && _train.Manifest.FindSplit(cfg.Data.TrainSplit) is { Labelled: true })
            _trainer.AttachProbe(new OnlineLinearProbe(((IBackbone)_trainer.Backbone).FeatureDim, _train.Classes.Count,
                cfg.Run.MaxSteps > 0 ? cfg.Run.MaxSteps : cfg.Optim.Epochs * StepsPerEpoch, cfg.Run.Seed, _device));
        _evalNet = ConfigMapping.CreateFeatureNetwork(cfg, _device);

        var cursor = new DataCursor(0, 0);
        // Rank 0 opens (and on a fresh run creates) the run's identity and checkpoint folder first; the others then read it, never write.
        (CheckpointDirectory Directory, (TrainerState State, CheckpointMeta Meta, string Path)? Resumed) Open() =>
            RunCheckpoints.Open(cfg.RunDir, cfg.Checkpoint.Keep, cfg.ToJson(), cfg.Run.Resume, w => log.LogWarning("{Message}", w), CheckpointUse.TryRestore(_trainer), cfg.AllowedChanges);
        CheckpointDirectory? dir = null;
        (TrainerState State, CheckpointMeta Meta, string Path)? latest = null;
        if (rank0) (dir, latest) = Open();
        Span<byte> resumed = [(byte)(latest is null ? 0 : 1)];
        comm.Broadcast(resumed, 0); // also the barrier: the others read only once rank 0 has opened the folder
        if (!rank0 && resumed[0] == 1) (_, latest) = Open();
        if (comm.WorldSize > 1) CheckSameStart(comm, latest?.Meta);
        if (latest is { } c)
        {
            StartStep = c.Meta.Step;
            cursor = c.Meta.Cursor;
            log.LogInformation("resuming from {path}: step {step}, data at epoch {epoch} position {position}",
                c.Path, c.Meta.Step, cursor.Epoch, cursor.Position);
        }
        else if (cfg.Run.Resume) log.LogInformation("--resume: no usable checkpoint of this run in {dir}; starting a new run", Path.Combine(cfg.RunDir, "checkpoints"));
        if (latest is null && cfg.Run.InitFrom.Length > 0) log.LogInformation("{Message}", InitFrom.Apply(cfg.Run.InitFrom, _trainer.Backbone));
        _source = new EpochReaderSource(_train, unchecked((ulong)cfg.Run.Seed), cursor, batch, comm.Rank, comm.WorldSize);
        Trainer = new TrainerStep(_trainer, PeriodicKnn);
        Checkpoints = dir is null ? DiscardCheckpoints.Instance : new CheckpointDirectorySink(dir, cfg.ToJson(), cfg.Run.Seed);
    }

    // Every rank must start from the same step and data cursor (rank 0's checkpoint, or none): each rank's values go
    // into its own slot of a sum every rank sees, and a rank that differs from rank 0 stops the start with one line.
    private static void CheckSameStart(ICollectives comm, CheckpointMeta? meta)
    {
        var v = new double[3 * comm.WorldSize];
        v[3 * comm.Rank] = meta?.Step ?? 0;
        v[3 * comm.Rank + 1] = meta?.Cursor.Epoch ?? 0;
        v[3 * comm.Rank + 2] = meta?.Cursor.Position ?? 0;
        comm.AllReduce(v, ReduceOp.Sum);
        for (int r = 1; r < comm.WorldSize; r++)
            if (v[3 * r] != v[0] || v[3 * r + 1] != v[1] || v[3 * r + 2] != v[2])
                throw new ConfigurationException($"--resume: rank {r} found the checkpoint of step {v[3 * r]} (epoch {v[3 * r + 1]} position {v[3 * r + 2]}), " +
                    $"rank 0 the one of step {v[0]} (epoch {v[1]} position {v[2]}): every rank must read rank 0's run directory (a shared file system)");
    }

    // On the train thread after each epoch, every Eval:KnnEveryEpochs epochs: copies the backbone (one device copy)
    // and runs kNN on a thread of its own, so reading, augmenting and training go on. While one is still running
    // the next is skipped (logged), never queued.
    private void PeriodicKnn(NnclrTrainer trainer, long epoch)
    {
        int every = _cfg.Eval.KnnEveryEpochs;
        if (_knn is null || every <= 0 || (epoch + 1) % every != 0) return;
        // The run's last step: the final evaluation reports this very network, so a periodic one would only compete with it.
        long lastStep = _cfg.Run.MaxSteps > 0 ? _cfg.Run.MaxSteps : _cfg.Optim.Epochs * StepsPerEpoch;
        if (trainer.StepCount >= lastStep) return;
        if (_periodic is { IsCompleted: false })
        {
            _log.LogInformation("kNN after epoch {epoch}: skipped, the previous evaluation is still running", epoch + 1);
            return;
        }
        _evalNet.CopyFrom(trainer.Backbone);
        long step = trainer.StepCount;
        var cancel = _disposed.Token;
        _periodic = Task.Run(() =>
        {
            var started = DateTime.UtcNow;
            try
            {
                var (top1, top5) = _knn!.Evaluate(_evalNet.Features, _device, limitTrain: _cfg.Eval.PeriodicTrainLimit, cancel: cancel);
                double seconds = (DateTime.UtcNow - started).TotalSeconds;
                _log.LogInformation("kNN after epoch {epoch}: top-1 {knn_top1:F2}% top-5 {knn_top5:F2}% ({elapsed_s:F1} s)",
                    epoch + 1, 100 * top1, 100 * top5, seconds);
                _evaluations?.OnEvaluation(new EvaluationResult("knn", "periodic", step, epoch + 1, top1, top5, seconds));
            }
            catch (OperationCanceledException) { }
            catch (Exception e)
            {
                // Monitoring only: a failed periodic evaluation is reported, training goes on.
                _log.LogWarning("kNN after epoch {epoch} failed: {error}", epoch + 1, e.Message);
            }
            finally
            {
                // Its batches' activations are not what the training steps reuse: back to the kernel (issue #21: RSS
                // after a periodic kNN returns to the training footprint).
                NativeAllocator.Current.ReleaseFreeMemory();
            }
        }, CancellationToken.None);
    }

    public void ObserveEvaluations(IEvaluationObserver observer) => _evaluations = observer;

    public void ObserveFinalEvaluation(IFinalEvaluationObserver observer) => _final = observer;

    public IReadOnlyDictionary<string, double> Finish(PipelineResult result, CancellationToken stop)
    {
        var final = new Dictionary<string, double>();
        WaitForPeriodic(stop);
        if (result.Stopped || _knn is null) return final; // a stop request must end promptly: no evaluation; no labels: no kNN
        _final?.Planned(_knn.Images());
        var watch = System.Diagnostics.Stopwatch.StartNew();
        _evalNet.CopyFrom(_trainer.Backbone);
        // The random-init baseline goes through the same pass over the images as the trained network; each network's
        // result is reported as soon as it is classified.
        using var fresh = _cfg.Eval.Baseline ? ConfigMapping.CreateFeatureNetwork(_cfg, _device) : null;
        double trainedTop1 = double.NaN;
        void Done(int network, (double Top1, double Top5) r)
        {
            var values = new Dictionary<string, double>();
            if (network == 0)
            {
                trainedTop1 = r.Top1;
                values["knn_top1"] = Math.Round(100 * r.Top1, 2);
                values["knn_top5"] = Math.Round(100 * r.Top5, 2);
            }
            else
            {
                values["knn_top1_random_init"] = Math.Round(100 * r.Top1, 2);
                values["knn_top5_random_init"] = Math.Round(100 * r.Top5, 2);
                values["knn_top1_gain_points"] = Math.Round(100 * (trainedTop1 - r.Top1), 2);
            }
            foreach (var (name, value) in values) final[name] = value;
            _final?.NetworkDone(network == 0 ? "trained" : "random_init", values, watch.Elapsed.TotalSeconds);
        }
        _knn.EvaluateMany(fresh is null ? [_evalNet.Features] : [_evalNet.Features, fresh.Features], _device, cancel: stop,
            progress: n => _final?.Advanced(fresh is null ? "trained" : "trained,random_init", n), done: Done);
        return final;
    }

    // Waits for a periodic kNN still running (cancelling it on a stop); it owns _evalNet until it ends.
    private void WaitForPeriodic(CancellationToken stop)
    {
        if (_periodic is null) return;
        using (stop.Register(_disposed.Cancel)) _periodic.Wait(CancellationToken.None);
        _periodic = null;
    }

    public void Dispose()
    {
        _disposed.Cancel();
        WaitForPeriodic(CancellationToken.None);
        _disposed.Dispose();
        _evalNet.Dispose();
        _source.Dispose();
        _trainer.Dispose();
        _train.Dispose();
        _test?.Dispose();
        if (!ReferenceEquals(_knnTrain, _train)) _knnTrain?.Dispose();
    }
}
