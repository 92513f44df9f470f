using Nnclr.Data.Shards;
using Nnclr.Model;
using System.Diagnostics;
using System.Threading.Channels;
using Nnclr.Pipeline.Channels;
using Nnclr.Pipeline.Metrics;
using Nnclr.Pipeline.Ports;
using Nnclr.Pipeline.Slots;
using TorchSharp;
using static TorchSharp.torch;

namespace Nnclr.Pipeline.Stages;

/// <summary>
/// The only thread that touches the model. Per step: one dispose scope, one call to the train port, the
/// step's loss and NN hits added to device-side sums (no sync). Every LogEvery steps the sums are read to
/// the host (the one regular sync), checked for NaN/Inf and reported. Every CheckpointEvery steps, and at
/// the end or on a stop request, a snapshot is taken here at the step boundary and queued for the
/// checkpoint thread. Support-set update: inside the train port's step, see <see cref="ITrainStep.Step"/>.
/// </summary>
internal sealed class TrainStage : Stage
{
    // The model port; called from this thread only.
    private readonly ITrainStep _trainer;
    // Slots the train port reads (device slots on CUDA, host slots on CPU); given back after each step.
    private readonly ViewSlotRing _slots;
    // From the upload stage.
    private readonly ChannelReader<BatchTicket> _input;
    // To the checkpoint stage.
    private readonly ChannelWriter<CheckpointRequest> _checkpoints;
    // Told about each interval; may be null.
    private readonly IPipelineObserver? _observer;
    // Builds the stage report for interval metrics.
    private readonly Func<StageReport> _report;
    // Steps per log interval (> 0).
    private readonly int _logEvery;
    // Steps between periodic checkpoints (> 0).
    private readonly long _checkpointEvery;
    // Images per step.
    private readonly int _batchSize;
    // Device of the sums.
    private readonly Device _device;
    // Sum of the losses since the last flush; a 0-dim float64 device tensor owned by this stage.
    private Tensor? _lossSum;
    // Sum of NN hits since the last flush; a 0-dim float64 device tensor owned by this stage.
    private Tensor? _hitsSum;
    // Scalar 1, created once so accumulating allocates nothing.
    private Scalar? _one;
    // Scalar 0, created once for resetting the sums.
    private Scalar? _zero;
    // True while inside the train port's Step (the model may be mid-update if it throws).
    private bool _midStep;
    // Steps completed in total (resumed step + this run's).
    private long _completed;
    // Step count at the last flush.
    private long _flushedAt;
    // Stopwatch timestamp of the last flush.
    private long _flushedTime;
    // Step count of the last checkpoint (the start step counts: it is already on disk).
    private long _checkpointedAt;
    // Epoch of the last trained batch.
    private long _epoch;
    // Data cursor after the last trained batch.
    private DataCursor _cursor;

    public TrainStage(PipelineControl control, ITrainStep trainer, ViewSlotRing slots, ChannelReader<BatchTicket> input,
        ChannelWriter<CheckpointRequest> checkpoints, IPipelineObserver? observer, Func<StageReport> report,
        PipelineSettings settings, DataCursor startCursor) : base("train", control, () => input.Count)
    {
        (_trainer, _slots, _input, _checkpoints, _observer, _report) = (trainer, slots, input, checkpoints, observer, report);
        (_logEvery, _checkpointEvery, _batchSize) = (settings.LogEvery, settings.CheckpointEvery, settings.Geometry.BatchSize);
        _device = torch.device(settings.Device);
        _completed = _flushedAt = _checkpointedAt = settings.StartStep;
        _cursor = startCursor;
        _epoch = startCursor.Epoch;
    }

    /// <summary>Steps completed when the stage ended.</summary>
    public long Completed => _completed;

    /// <summary>The data cursor after the last trained batch.</summary>
    public DataCursor Cursor => _cursor;

    /// <summary>Mean loss of the last flushed interval; NaN before the first.</summary>
    public double LastLoss { get; private set; } = double.NaN;

    // Sum of the online linear probe's correct predictions over the interval; null while no step reported any.
    private Tensor? _onlineSum;

    /// <summary>NN accuracy of the last flushed interval; NaN before the first.</summary>
    public double LastNnAccuracy { get; private set; } = double.NaN;

    protected override void Execute(ThreadWaiter waiter)
    {
        _one = 1.ToScalar();
        _zero = 0.ToScalar();
        _lossSum = torch.zeros([], ScalarType.Float64, _device).DetachFromDisposeScope();
        _hitsSum = torch.zeros([], ScalarType.Float64, _device).DetachFromDisposeScope();
        _flushedTime = Stopwatch.GetTimestamp();
        while (!Control.StopRequested)
        {
            long t = Metrics.BeginInputWait();
            bool got = waiter.TryTake(_input, out var ticket);
            Metrics.AddInputWait(t);
            if (!got) return;
            if (Control.StopRequested)
            {
                _slots.Pool.Release(ticket.Slot); // taken after the stop: not trained
                return;
            }
            var slot = _slots[ticket.Slot];
            _midStep = true;
            using (torch.NewDisposeScope())
            {
                var step = _trainer.Step(slot.Views, slot.Labels);
                // No sync: in-place adds queue on the device like the step's own kernels.
                _lossSum.add_(step.Loss, _one);
                _hitsSum.add_(step.NnHits, _one);
                if (step.OnlineHits is { } online) (_onlineSum ??= torch.zeros([], ScalarType.Float64, _device).DetachFromDisposeScope()).add_(online, _one);
            }
            _midStep = false;
            // The slot can be rewritten now: on CPU the step has run to completion; on CUDA the next copy into
            // it is queued on the same stream behind this step's kernels.
            _slots.Pool.Release(ticket.Slot);
            (_completed, _cursor, _epoch) = (ticket.Step + 1, ticket.CursorAfter, ticket.Epoch);
            Metrics.ItemDone();
            if (ticket.CursorAfter.Epoch > ticket.Epoch) _trainer.EpochEnded(ticket.Epoch);
            if (_completed % _logEvery == 0) Flush();
            if (_completed % _checkpointEvery == 0) Checkpoint(waiter, final: false);
        }
    }

    /// <summary>
    /// Reads the interval's sums to the host, stops on a non-finite loss, reports. Runs before every
    /// checkpoint too, so a diverged state is never saved.
    /// </summary>
    private void Flush()
    {
        long steps = _completed - _flushedAt;
        if (steps <= 0 || _lossSum is null || _hitsSum is null) return;
        double loss, hits, online;
        using (torch.NewDisposeScope())
        {
            // Sync: copying the sums to the host waits for every queued kernel (once per log interval).
            loss = _lossSum.to(CPU).item<double>();
            hits = _hitsSum.to(CPU).item<double>();
            online = _onlineSum is null ? double.NaN : _onlineSum.to(CPU).item<double>();
        }
        _onlineSum?.fill_(_zero!);
        _lossSum.fill_(_zero!);
        _hitsSum.fill_(_zero!);
        double meanLoss = loss / steps;
        if (!double.IsFinite(meanLoss)) throw new NonFiniteLossException(_flushedAt + 1, _completed, meanLoss);
        long now = Stopwatch.GetTimestamp();
        double seconds = (now - _flushedTime) / (double)Stopwatch.Frequency;
        (LastLoss, LastNnAccuracy) = (meanLoss, hits / (steps * (double)_batchSize));
        _observer?.OnInterval(new IntervalMetrics(_completed, _epoch, meanLoss, LastNnAccuracy, _trainer.LearningRate,
            seconds > 0 ? steps * _batchSize / seconds : 0, _report(), online / (steps * (double)_batchSize)));
        (_flushedAt, _flushedTime) = (_completed, now);
    }

    private void Checkpoint(ThreadWaiter waiter, bool final)
    {
        Flush();
        var snapshot = _trainer.Snapshot();
        long t = Metrics.BeginOutputWait();
        try { waiter.Put(_checkpoints, new CheckpointRequest(snapshot, new CheckpointMeta { Step = _completed, Cursor = _cursor, Final = final })); }
        catch { snapshot.Dispose(); throw; }
        Metrics.AddOutputWait(t);
        _checkpointedAt = _completed;
    }

    protected override void Finish(Exception? error, ThreadWaiter waiter)
    {
        try
        {
            // A final checkpoint unless this stage broke the model state (mid-step failure, NaN): after the
            // end of data, a stop request, or another stage's failure, the state is consistent.
            bool ownFailure = _midStep || (error is not null && Control.FailedStage == Name);
            if (!ownFailure && _completed > _checkpointedAt) Checkpoint(waiter, final: true);
            else if (!ownFailure) Flush();
        }
        finally
        {
            _checkpoints.TryComplete();
            Control.CloseUpstream(new PipelineStoppedException("training ended"));
            _lossSum?.Dispose();
            _hitsSum?.Dispose();
            _onlineSum?.Dispose();
            _one?.Dispose();
            _zero?.Dispose();
        }
    }
}
