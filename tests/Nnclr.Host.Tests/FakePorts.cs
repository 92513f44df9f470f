using Nnclr.Host.Configuration;
using Nnclr.Host.Hosting;
using Nnclr.Model;
using Nnclr.Model.Runtime;
using Nnclr.Pipeline;
using Nnclr.Pipeline.Ports;
using Nnclr.Pipeline.Tests.Fakes;

namespace Nnclr.Host.Tests;

/// <summary>
/// Ports over the pipeline tests' fakes. Resume works like the real factory: from the last checkpoint the
/// shared sink holds, with the source positioned at its cursor.
/// </summary>
public sealed class FakePorts : ITrainingPorts
{
    public const int Records = 203;

    public FakePorts(TrainingConfig config, FakeSink sink, Action<FakeTrainer>? tweak = null)
    {
        TorchRuntime.EnsureLoaded();
        var last = config.Run.Resume && !sink.Written.IsEmpty ? sink.Written.Last() : (Meta: new CheckpointMeta(), Weights: 0L);
        Source = new FakeSource(Records, last.Meta.Cursor);
        var trainer = new FakeTrainer(last.Weights);
        tweak?.Invoke(trainer);
        Trainer = trainer;
        Checkpoints = sink;
        StartStep = last.Meta.Step;
        Geometry = new BatchGeometry(config.Optim.BatchSize, 4, 4, 4);
        StepsPerEpoch = Records / config.Optim.BatchSize;
    }

    public IBatchSource Source { get; }
    public IViewAugmenter Augmenter { get; } = new FakeAugmenter();
    public ITrainStep Trainer { get; }
    public ICheckpointSink Checkpoints { get; }
    public BatchGeometry Geometry { get; }
    public long StepsPerEpoch { get; }
    public long StartStep { get; }
    public string Device => "cpu";
    public bool Disposed { get; private set; }

    /// <summary>Runs inside <see cref="Finish"/> (e.g. to stop or fail the run during its final evaluation).</summary>
    public Action<CancellationToken>? OnFinish { get; set; }

    /// <summary>"top-1" = (weights mod 1000) / 1000 and top-5 = 1, so a test can tell the run's own final evaluation.</summary>
    public FinalEvaluation? Finish(PipelineResult result, CancellationToken stop)
    {
        OnFinish?.Invoke(stop);
        return new FinalEvaluation(Math.Abs(((FakeTrainer)Trainer).Weights % 1000) / 1000.0, 1);
    }

    public void Dispose() => Disposed = true;
}
