using Microsoft.Extensions.Logging;
using Nnclr.Pipeline.Configuration;

namespace Nnclr.Pipeline.Session;

/// <summary>
/// One training job: builds the ports from the configuration (<see cref="TrainingPorts"/> for real runs), runs the
/// pipeline until done or stopped, runs the final evaluation, and on a NaN/Inf loss either ends failed or, with
/// Run:OnNonFiniteLoss=rollback, resumes from the last good checkpoint (at most <see cref="MaxRollbacks"/> times).
/// Interval metrics go to <paramref name="metricsPath"/> (metrics.jsonl) and <paramref name="tensorBoardDir"/>.
/// Host's TrainingRun owns the run directory and turns the <see cref="SessionOutcome"/> into summary.json and an exit code.
/// </summary>
public sealed class TrainingSession(Func<TrainingConfig, ITrainingPorts> portsFactory, ILogger logger, TextWriter? progress,
    string metricsPath, string tensorBoardDir)
{
    /// <summary>Rollbacks allowed per run before a NaN loss is fatal.</summary>
    public const int MaxRollbacks = 2;

    /// <summary>
    /// Runs to the end; <paramref name="stop"/> (SIGTERM, Ctrl-C) ends it after the current step with a checkpoint.
    /// A failure to build the ports (bad configuration, missing data, a device that does not load) is thrown.
    /// </summary>
    public async Task<SessionOutcome> RunAsync(TrainingConfig config, CancellationToken stop)
    {
        var current = config;
        for (int attempt = 0; ; attempt++)
        {
            var outcome = await RunOnceAsync(current, stop);
            if (!(outcome.NonFiniteLoss && current.Run.OnNonFiniteLoss == "rollback" && attempt < MaxRollbacks)) return outcome;
            SessionLog.Failed(logger, $"{outcome.Error}; rolling back to the last good checkpoint (rollback {attempt + 1} of {MaxRollbacks})");
            current = current with { Run = current.Run.With(resume: true) };
        }
    }

    private async Task<SessionOutcome> RunOnceAsync(TrainingConfig cfg, CancellationToken stop)
    {
        using var ports = portsFactory(cfg);
        long total = cfg.Run.MaxSteps > 0 ? cfg.Run.MaxSteps : cfg.Optim.Epochs * ports.StepsPerEpoch;
        var settings = new PipelineSettings
        {
            Geometry = ports.Geometry,
            StartStep = ports.StartStep,
            TotalSteps = Math.Max(total, ports.StartStep),
            Device = ports.Device,
            AugmentThreads = PipelineSettings.ResolveAugmentThreads(cfg.Pipeline.AugmentThreads),
            RawSlots = cfg.Pipeline.RawSlots,
            ViewSlots = cfg.Pipeline.ViewSlots,
            DeviceSlots = cfg.Pipeline.DeviceSlots,
            LogEvery = cfg.Run.LogEvery,
            CheckpointEvery = cfg.Checkpoint.EverySteps,
        };
        SessionLog.Starting(logger, cfg.Run.Preset, cfg.RunDir, settings.StartStep, settings.TotalSteps, ports.StepsPerEpoch,
            settings.Geometry.BatchSize, settings.Device, settings.AugmentThreads);
        using var metrics = new MetricsLog(metricsPath, tensorBoardDir, logger, progress, settings.TotalSteps);
        using var pipeline = new TrainingPipeline(settings, ports.Source, ports.Augmenter, ports.Trainer, ports.Checkpoints, metrics);
        using var onStop = stop.Register(() => SessionLog.Stopping(logger));
        PipelineResult result;
        try
        {
            result = await pipeline.RunAsync(stop);
        }
        catch (PipelineException e)
        {
            SessionLog.Failed(logger, e.Message);
            return new SessionOutcome("failed", e.Message, null, pipeline.Report(), null, e.InnerException is NonFiniteLossException);
        }
        IReadOnlyDictionary<string, double> final;
        bool stopped = result.Stopped;
        try { final = ports.Finish(result, stop); }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // SIGTERM during the final evaluation: the checkpoints are on disk; the evaluation is abandoned.
            final = new Dictionary<string, double>();
            stopped = true;
        }
        catch (Exception e)
        {
            var message = $"final evaluation failed: {e.Message}";
            SessionLog.Failed(logger, message);
            return new SessionOutcome("failed", message, result, result.Report, null);
        }
        foreach (var (name, value) in final) SessionLog.FinalMetric(logger, name, value);
        string status = stopped ? "stopped" : "completed";
        double imagesPerSecond = result.ElapsedSeconds > 0 ? (result.Steps - settings.StartStep) * settings.Geometry.BatchSize / result.ElapsedSeconds : 0;
        SessionLog.Finished(logger, status, result.Steps, result.ElapsedSeconds, imagesPerSecond, result.Report.ToTable());
        return new SessionOutcome(status, null, result, result.Report, final);
    }
}
