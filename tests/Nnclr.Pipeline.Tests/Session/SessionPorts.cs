using Nnclr.Model;
using Nnclr.Model.Runtime;
using Nnclr.Pipeline.Configuration;
using Nnclr.Pipeline.Ports;
using Nnclr.Pipeline.Session;
using Nnclr.Pipeline.Tests.Fakes;

namespace Nnclr.Pipeline.Tests.Session;

/// <summary>A session's ports over the fakes; with Run:Resume they continue from the shared sink's last checkpoint, as the real ones do.</summary>
public sealed class SessionPorts : ITrainingPorts
{
    public SessionPorts(TrainingConfig config, FakeSink sink, Action<FakeTrainer>? tweak = null)
    {
        TorchRuntime.EnsureLoaded();
        var last = config.Run.Resume && !sink.Written.IsEmpty ? sink.Written.Last() : (Meta: new CheckpointMeta(), Weights: 0L);
        Source = new FakeSource(PipelineHarness.Records, last.Meta.Cursor);
        var trainer = new FakeTrainer(last.Weights);
        tweak?.Invoke(trainer);
        Trainer = trainer;
        Checkpoints = sink;
        StartStep = last.Meta.Step;
        Geometry = new BatchGeometry(config.Optim.BatchSize, 4, 4, 4);
        StepsPerEpoch = PipelineHarness.Records / config.Optim.BatchSize;
    }

    public IBatchSource Source { get; }
    public IViewAugmenter Augmenter { get; } = new FakeAugmenter();
    public ITrainStep Trainer { get; }
    public ICheckpointSink Checkpoints { get; }
    public BatchGeometry Geometry { get; }
    public long StepsPerEpoch { get; }
    public long StartStep { get; }
    public string Device => "cpu";

    /// <summary>"top-1" = steps / 1000, so a test can tell the run's own final evaluation.</summary>
    public FinalEvaluation? Finish(PipelineResult result, CancellationToken stop) => new(result.Steps / 1000.0, 1);

    public void Dispose() => ((FakeTrainer)Trainer).Dispose();
}
