using Nnclr.Data.Shards;
using Nnclr.Model.Runtime;
using Nnclr.Pipeline.Ports;
using Nnclr.Pipeline.Tests.Fakes;

namespace Nnclr.Pipeline.Tests;

/// <summary>Builds a small pipeline over fakes and runs it with a hang guard.</summary>
public sealed class PipelineHarness
{
    // A pipeline that is not done after this has hung: the test fails instead of waiting forever.
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    public const int Records = 101;
    public const int Batch = 8;

    public FakeSource Source;
    public FakeAugmenter Augmenter = new();
    public FakeTrainer Trainer;
    public FakeSink Sink = new();
    public IPipelineObserver Observer = new RecordingObserver();
    public PipelineSettings Settings;

    public PipelineHarness(long totalSteps, long startStep = 0, DataCursor start = default, long weights = 0)
    {
        TorchRuntime.EnsureLoaded();
        Source = new FakeSource(Records, start);
        Trainer = new FakeTrainer(weights);
        Settings = new PipelineSettings
        {
            Geometry = new BatchGeometry(Batch, 4, 4, 4),
            StartStep = startStep,
            TotalSteps = totalSteps,
            AugmentThreads = 2,
            LogEvery = 5,
            CheckpointEvery = 10,
        };
    }

    public TrainingPipeline Build() => new(Settings, Source, Augmenter, Trainer, Sink, Observer);

    /// <summary>Runs to the end (or the stop), failing the test if it takes longer than <see cref="HangGuard"/>.</summary>
    public async Task<PipelineResult> RunAsync(CancellationToken stop = default)
    {
        using var pipeline = Build();
        return await pipeline.RunAsync(stop).WaitAsync(HangGuard);
    }
}
