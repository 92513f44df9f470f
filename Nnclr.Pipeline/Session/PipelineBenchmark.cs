using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Nnclr.Model;
using Nnclr.Pipeline.Configuration;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Session;

/// <summary>
/// `bench pipeline`'s measurement: the whole staged pipeline on real shards with full two-view augmentation and the
/// real (or a stand-in) step, no checkpoints; images/s after the first fifth (warm-up), the per-stage report and,
/// with the real step, the synthetic step's images/s at the same batch (<see cref="StepBenchmark"/>).
/// </summary>
public static class PipelineBenchmark
{
    /// <summary>Runs <paramref name="steps"/> steps (the configuration's Run:RunDir is a scratch directory the caller removes).</summary>
    public static async Task<PipelineBenchmarkResult> RunAsync(TrainingConfig cfg, string device, int steps, bool realStep, CancellationToken ct)
    {
        using var ports = new TrainingPorts(cfg, NullLogger.Instance);
        int logEvery = Math.Max(1, steps / 10);
        var settings = new PipelineSettings
        {
            Geometry = ports.Geometry, TotalSteps = steps, Device = ports.Device,
            AugmentThreads = PipelineSettings.ResolveAugmentThreads(cfg.Pipeline.AugmentThreads),
            RawSlots = cfg.Pipeline.RawSlots, ViewSlots = cfg.Pipeline.ViewSlots, DeviceSlots = cfg.Pipeline.DeviceSlots,
            LogEvery = logEvery, CheckpointEvery = 10_000_000,
        };
        ITrainStep step = realStep ? ports.Trainer : new StandInStep();
        var clock = new IntervalClock();
        using var pipeline = new TrainingPipeline(settings, ports.Source, ports.Augmenter, step, new DiscardCheckpoints(), clock);
        var result = await pipeline.RunAsync(ct);
        double ips = clock.ImagesPerSecond(settings.Geometry.BatchSize, warmupSteps: steps / 5);
        double? synthetic = null;
        if (realStep)
            synthetic = StepBenchmark.Run(cfg, device, steps: Math.Max(10, steps / 2), warmup: 5).ImagesPerSecond;
        return new PipelineBenchmarkResult(settings, ips, synthetic, result.Report);
    }

    // Times the log intervals so warm-up can be left out of the throughput.
    private sealed class IntervalClock : IPipelineObserver
    {
        // (steps completed, seconds since start) at each interval; appended on the train thread only.
        private readonly List<(long Step, double Seconds)> _marks = [];
        // Started when the observer is created, just before the pipeline.
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public void OnInterval(IntervalMetrics m) => _marks.Add((m.Step, _clock.Elapsed.TotalSeconds));
        public void OnCheckpoint(CheckpointMeta meta) { }

        public double ImagesPerSecond(int batch, int warmupSteps)
        {
            var first = _marks.FirstOrDefault(m => m.Step >= warmupSteps);
            var last = _marks[^1];
            if (last.Step <= first.Step) first = (0, 0);
            return (last.Step - first.Step) * (double)batch / (last.Seconds - first.Seconds);
        }
    }

    // A benchmark keeps no checkpoints.
    private sealed class DiscardCheckpoints : ICheckpointSink
    {
        public void Write(TrainerSnapshot snapshot, CheckpointMeta meta) { }
    }
}
