using Microsoft.Extensions.Logging;
using Nnclr.Pipeline.Configuration;
using Nnclr.Pipeline.Metrics;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Session;

/// <summary>
/// One training job: builds the ports from the configuration (<see cref="TrainingPorts"/> for real runs), runs the
/// pipeline until done or stopped, runs the final evaluation, and on a NaN/Inf loss either ends failed or, with
/// Run:OnNonFiniteLoss=rollback, resumes from the last good checkpoint (at most <see cref="MaxRollbacks"/> times).
/// Interval metrics go to <paramref name="metricsPath"/> (metrics.jsonl) and <paramref name="tensorBoardDir"/>.
/// Host's TrainingRun owns the run directory and turns the <see cref="SessionOutcome"/> into summary.json and an exit code.
/// </summary>
/// <paramref name="statusDir"/>: where status.json goes (null = the run directory; ranks other than 0 pass a scratch folder).
public sealed class TrainingSession(Func<TrainingConfig, ITrainingPorts> portsFactory, ILogger logger, TextWriter? progress,
    string metricsPath, string tensorBoardDir, string? statusDir = null)
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

    /// <summary>How often status.json is rewritten when nothing else happens.</summary>
    public static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(10);

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
        // Meters (OpenTelemetry/Prometheus when Telemetry enables them) and status.json see what the files see.
        using var meter = new TrainingMeter(settings.Geometry.BatchSize, settings.StartStep, settings.TotalSteps,
            ports.Device.StartsWith("cuda", StringComparison.Ordinal) ? new GpuMemoryProbe() : null);
        using var heartbeat = new RunHeartbeat(statusDir ?? cfg.RunDir, settings.Geometry.BatchSize, settings.StartStep, settings.TotalSteps, ports.Device, HeartbeatPeriod);
        var observers = new ObserverFanOut(metrics, meter, heartbeat);
        ports.ObserveEvaluations(observers);
        // Every ending of this attempt is also the heartbeat's last word (exit code 1 when failed, else 0).
        SessionOutcome End(SessionOutcome o)
        {
            heartbeat.End(o.Status, o.Failed ? 1 : 0, o.Error);
            return o with { Device = ports.Device };
        }
        using var pipeline = new TrainingPipeline(settings, ports.Source, ports.Augmenter, ports.Trainer, ports.Checkpoints, observers);
        // What a stop request does depends on the phase: the log line says which.
        string stopAction = "finishing the current step and writing a checkpoint";
        using var onStop = stop.Register(() => SessionLog.Stopping(logger, Volatile.Read(ref stopAction)));
        PipelineResult result;
        try
        {
            result = await pipeline.RunAsync(stop);
        }
        catch (PipelineException e)
        {
            SessionLog.Failed(logger, e.Message);
            return End(new SessionOutcome("failed", e.Message, null, pipeline.Report(), null, e.InnerException is NonFiniteLossException));
        }
        IReadOnlyDictionary<string, double> final;
        bool stopped = result.Stopped;
        Volatile.Write(ref stopAction, "abandoning the final evaluation; " + (result.LastCheckpoint is { } written
            ? $"the checkpoint of step {written.Step} is on disk" : "no checkpoint was written") + "; the results known so far are kept");
        heartbeat.SetState("evaluating");
        var finishing = System.Diagnostics.Stopwatch.StartNew();
        metrics.EndLine();
        // Progress and each network's result as soon as it is known (the trained one's also goes to metrics.jsonl).
        var evaluation = new FinalEvaluationProgress(logger, progress, observers, result.Steps, result.Cursor.Epoch);
        ports.ObserveFinalEvaluation(evaluation);
        SessionLog.PhaseStarted(logger, "final evaluation");
        try
        {
            final = ports.Finish(result, stop);
            evaluation.Complete(final, finishing.Elapsed.TotalSeconds);
            SessionLog.PhaseDone(logger, "final evaluation", finishing.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // SIGTERM during the final evaluation: the checkpoints are on disk; the evaluation is abandoned, the networks done are kept.
            evaluation.EndLine();
            final = new Dictionary<string, double>(evaluation.Results);
            stopped = true;
        }
        catch (Exception e)
        {
            evaluation.EndLine();
            var message = $"final evaluation failed: {e.Message}";
            SessionLog.Failed(logger, message);
            return End(new SessionOutcome("failed", message, result, result.Report, null));
        }
        FinalEvalLog.Write(logger, final);
        string status = stopped ? "stopped" : "completed";
        double imagesPerSecond = result.ElapsedSeconds > 0 ? (result.Steps - settings.StartStep) * settings.Geometry.BatchSize / result.ElapsedSeconds : 0;
        SessionLog.Finished(logger, status, result.Steps, result.ElapsedSeconds, imagesPerSecond, result.Report.BottleneckStage ?? "");
        StageTableOutput.Write(logger, progress, result.Report.ToTable());
        return End(new SessionOutcome(status, null, result, result.Report, final));
    }
}
