using System.Diagnostics;
using Nnclr.Pipeline.Channels;
using Nnclr.Pipeline.Metrics;
using Nnclr.Pipeline.Ports;
using Nnclr.Pipeline.Slots;
using Nnclr.Pipeline.Stages;
using TorchSharp;
using static TorchSharp.torch;

namespace Nnclr.Pipeline;

/// <summary>
/// The staged training pipeline: read → augment → upload → train → checkpoint, each stage on its own
/// thread(s), linked by bounded channels carrying <see cref="BatchTicket"/>s into preallocated slot rings.
/// Construct (allocates every slot), <see cref="RunAsync"/> once, dispose. See docs/pipeline.md.
/// </summary>
public sealed class TrainingPipeline : IDisposable
{
    // Validated settings of this run.
    private readonly PipelineSettings _settings;
    // Shared stop/failure state.
    private readonly PipelineControl _control = new();
    // Raw slots between read and augment.
    private readonly RawSlotRing _raw;
    // Host views slots (pinned on CUDA).
    private readonly ViewSlotRing _hostViews;
    // Device views slots; null on CPU, where the train stage reads the host slots.
    private readonly ViewSlotRing? _deviceViews;
    // The stages in pipeline order.
    private readonly Stage[] _stages;
    // The train stage (results are read from it).
    private readonly TrainStage _train;
    // The checkpoint stage (last checkpoint is read from it).
    private readonly CheckpointStage _checkpoint;
    // System.Diagnostics.Metrics publication of the stage counters.
    private readonly PipelineMeter _meter;
    // 0 before RunAsync, 1 after: a pipeline runs once.
    private int _started;

    public TrainingPipeline(PipelineSettings settings, IBatchSource source, IViewAugmenter augmenter, ITrainStep trainer,
        ICheckpointSink checkpoints, IPipelineObserver? observer = null)
    {
        settings.Validate();
        _settings = settings;
        var g = settings.Geometry;
        var device = torch.device(settings.Device);
        _raw = new RawSlotRing(settings.RawSlots, g);
        _hostViews = new ViewSlotRing(settings.ViewSlots, g, CPU, pinned: settings.IsCuda);
        _deviceViews = settings.IsCuda ? new ViewSlotRing(settings.DeviceSlots, g, device, pinned: false) : null;

        var rawCh = StageChannel.Create<BatchTicket>(settings.RawSlots);
        var viewCh = StageChannel.Create<BatchTicket>(settings.ViewSlots);
        var deviceCh = StageChannel.Create<BatchTicket>(_deviceViews is null ? settings.ViewSlots : settings.DeviceSlots);
        var ckptCh = StageChannel.Create<CheckpointRequest>(1);
        foreach (var pool in new[] { _raw.Pool, _hostViews.Pool, _deviceViews?.Pool })
            if (pool is not null) _control.AddUpstream(pool.Close);
        _control.AddUpstream(e => rawCh.Writer.TryComplete(e));
        _control.AddUpstream(e => viewCh.Writer.TryComplete(e));
        _control.AddUpstream(e => deviceCh.Writer.TryComplete(e));
        _control.SetCheckpoint(e => ckptCh.Writer.TryComplete(e));
        _control.SetTrainWake(() => deviceCh.Writer.TryComplete());

        var read = new ShardReadStage(_control, source, _raw, rawCh.Writer, g.BatchSize, settings.StartStep, settings.TotalSteps, g.Encoded);
        var augment = new AugmentStage(_control, augmenter, settings.AugmentThreads, _raw, _hostViews, rawCh.Reader, viewCh.Writer);
        var upload = new UploadStage(_control, _hostViews, _deviceViews, viewCh.Reader, deviceCh.Writer);
        _train = new TrainStage(_control, trainer, _deviceViews ?? _hostViews, deviceCh.Reader, ckptCh.Writer, observer,
            Report, settings, source.Cursor);
        _checkpoint = new CheckpointStage(_control, checkpoints, ckptCh.Reader, observer);
        _stages = [read, augment, upload, _train, _checkpoint];
        _meter = new PipelineMeter(Array.ConvertAll(_stages, s => s.Metrics), this);
    }

    /// <summary>Live counters of every stage, in pipeline order.</summary>
    public IReadOnlyList<StageMetrics> StageMetrics => Array.ConvertAll(_stages, s => s.Metrics);

    /// <summary>The stages' counters now, with the bottleneck named.</summary>
    public StageReport Report() =>
        new(Array.ConvertAll(_stages, s => s.Metrics.Snapshot()), _settings.Geometry.BatchSize);

    /// <summary>
    /// Runs to <see cref="PipelineSettings.TotalSteps"/>. When <paramref name="stop"/> fires, the train stage
    /// finishes its current step, writes a final checkpoint and everything ends (result.Stopped). A stage
    /// failure ends the run with one <see cref="PipelineException"/> naming the stage.
    /// </summary>
    public async Task<PipelineResult> RunAsync(CancellationToken stop = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("a pipeline runs once");
        var clock = Stopwatch.StartNew();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int running = _stages.Length;
        using (stop.Register(_control.RequestStop))
        {
            foreach (var stage in _stages)
                stage.Start(() => { if (Interlocked.Decrement(ref running) == 0) done.SetResult(); });
            await done.Task.ConfigureAwait(false);
        }
        if (_control.Failure is { } failure) throw new PipelineException(_control.FailedStage!, failure);
        return new PipelineResult(_train.Completed, _train.Cursor, _train.Completed < _settings.TotalSteps,
            _train.LastLoss, _train.LastNnAccuracy, _checkpoint.LastWritten, clock.Elapsed.TotalSeconds, Report());
    }

    public void Dispose()
    {
        _meter.Dispose();
        _hostViews.Dispose();
        _deviceViews?.Dispose();
    }
}
