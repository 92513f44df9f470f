using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Nnclr.Host.Configuration;
using Nnclr.Pipeline;
using Nnclr.Pipeline.Metrics;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Host.Hosting;

/// <summary>
/// One training run: writes config.resolved.json, builds the ports, runs the pipeline until done or stopped,
/// writes summary.json, and turns the outcome into an exit code. A NaN loss either stops the run or, with
/// Run:OnNonFiniteLoss=rollback, resumes from the last good checkpoint (at most <see cref="MaxRollbacks"/> times).
/// </summary>
/// summary.json is written on every ending: completed, stopped (also during the final evaluation) and failed (with the
/// error). Errors about the run directory itself also go to <c>error</c> (stderr), since the log may be a file.
public sealed class TrainingRun(ResolvedConfig config, Func<ResolvedConfig, ITrainingPorts> portsFactory, ILogger<TrainingRun> logger,
    TextWriter? progress, TextWriter? error = null)
{
    /// <summary>Rollbacks allowed per run before a NaN loss is fatal.</summary>
    public const int MaxRollbacks = 2;

    // When ExecuteAsync began (summary.json's started_at).
    private DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    // The device of the current attempt, once its ports exist (summary.json).
    private string? _device;
    // status.json of the current attempt; null before its ports exist.
    private RunHeartbeat? _heartbeat;

    /// <summary>Runs to the end; <paramref name="stop"/> (SIGTERM, Ctrl-C) ends it after the current step with a checkpoint.</summary>
    public async Task<int> ExecuteAsync(CancellationToken stop)
    {
        _startedAt = DateTimeOffset.UtcNow;
        RunDirectory dir;
        try
        {
            dir = new RunDirectory(config.RunDir);
            RunDirectory.WriteAtomically(dir.ResolvedConfig, config.ToResolvedJson());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RunDirectoryError($"cannot write the run directory {config.RunDir}: {e.Message}");
            return ExitCodes.RunFailed;
        }
        var current = config;
        for (int attempt = 0; ; attempt++)
        {
            try { return await RunOnceAsync(current, dir, stop); }
            catch (PipelineException e) when (e.InnerException is NonFiniteLossException && current.Run.OnNonFiniteLoss == "rollback" && attempt < MaxRollbacks)
            {
                Log.Failed(logger, $"{e.Message}; rolling back to the last good checkpoint (rollback {attempt + 1} of {MaxRollbacks})");
                current = current with { Run = current.Run.With(resume: true) };
            }
        }
    }

    // Logs an error about the run directory and repeats it on stderr.
    private void RunDirectoryError(string message)
    {
        Log.Failed(logger, message);
        (error ?? Console.Error).WriteLine($"nnclr train: {message}");
    }

    // Writes summary.json; when even that fails, the reason goes to the log and stderr (the run's own outcome stands).
    private void TryWriteSummary(RunDirectory dir, ResolvedConfig cfg, string status, int exitCode, string? message,
        PipelineResult? result, StageReport? report, IReadOnlyDictionary<string, double>? final)
    {
        _heartbeat?.End(status, exitCode, message);
        try { WriteSummary(dir, cfg, status, exitCode, message, result, report, final, _startedAt, _device); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RunDirectoryError($"cannot write {dir.Summary}: {e.Message}");
        }
    }

    private async Task<int> RunOnceAsync(ResolvedConfig cfg, RunDirectory dir, CancellationToken stop)
    {
        ITrainingPorts ports;
        try { ports = portsFactory(cfg); }
        catch (Exception e)
        {
            // Configuration errors keep their exit code (the service maps them); the record is written either way.
            TryWriteSummary(dir, cfg, "failed", NnclrConfiguration.Describe(e) is null ? ExitCodes.RunFailed : ExitCodes.Usage,
                e.Message, null, null, null);
            throw;
        }
        using var _ = ports;
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
        Log.Starting(logger, cfg.Run.Preset, dir.Root, settings.StartStep, settings.TotalSteps, ports.StepsPerEpoch,
            settings.Geometry.BatchSize, settings.Device, settings.AugmentThreads);
        using var metrics = new MetricsLog(dir, logger, progress, settings.TotalSteps);
        // Meters (OpenTelemetry/Prometheus when Telemetry enables them) and status.json see what the files see.
        using var meter = new TrainingMeter(settings.Geometry.BatchSize, settings.StartStep, settings.TotalSteps,
            ports.Device.StartsWith("cuda", StringComparison.Ordinal) ? new GpuMemoryProbe() : null);
        using var heartbeat = _heartbeat = new RunHeartbeat(dir.Root, settings.Geometry.BatchSize, settings.StartStep, settings.TotalSteps, ports.Device, HeartbeatPeriod);
        _device = ports.Device;
        var observers = new ObserverFanOut(metrics, meter, heartbeat);
        ports.ObserveEvaluations(observers);
        using var pipeline = new TrainingPipeline(settings, ports.Source, ports.Augmenter, ports.Trainer, ports.Checkpoints, observers);
        using var onStop = stop.Register(() => Log.Stopping(logger));
        PipelineResult result;
        try
        {
            result = await pipeline.RunAsync(stop);
        }
        catch (PipelineException e)
        {
            Log.Failed(logger, e.Message);
            TryWriteSummary(dir, cfg, "failed", ExitCodes.RunFailed, e.Message, null, pipeline.Report(), null);
            if (e.InnerException is NonFiniteLossException && cfg.Run.OnNonFiniteLoss == "rollback") throw;
            return ExitCodes.RunFailed;
        }
        IReadOnlyDictionary<string, double> final;
        bool stopped = result.Stopped;
        heartbeat.SetState("evaluating");
        var finishing = System.Diagnostics.Stopwatch.StartNew();
        metrics.EndLine();
        Log.PhaseStarted(logger, "final evaluation");
        try
        {
            final = ports.Finish(result, stop);
            Log.PhaseDone(logger, "final evaluation", finishing.Elapsed.TotalSeconds);
            if (final.TryGetValue("knn_top1", out var top1))
                observers.OnEvaluation(new EvaluationResult("knn", "final", result.Steps, result.Cursor.Epoch, top1 / 100,
                    final.TryGetValue("knn_top5", out var top5) ? top5 / 100 : double.NaN, finishing.Elapsed.TotalSeconds));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // SIGTERM during the final evaluation: the checkpoints are on disk; the evaluation is abandoned.
            final = new Dictionary<string, double>();
            stopped = true;
        }
        catch (Exception e)
        {
            var message = $"final evaluation failed: {e.Message}";
            Log.Failed(logger, message);
            TryWriteSummary(dir, cfg, "failed", ExitCodes.RunFailed, message, result, result.Report, null);
            return ExitCodes.RunFailed;
        }
        FinalEvalLog.Write(logger, final);
        string status = stopped ? "stopped" : "completed";
        double imagesPerSecond = result.ElapsedSeconds > 0 ? (result.Steps - settings.StartStep) * settings.Geometry.BatchSize / result.ElapsedSeconds : 0;
        Log.Finished(logger, status, result.Steps, result.ElapsedSeconds, imagesPerSecond, result.Report.BottleneckStage ?? "");
        StageTableOutput.Write(logger, progress, result.Report.ToTable());
        TryWriteSummary(dir, cfg, status, ExitCodes.Ok, null, result, result.Report, final);
        return ExitCodes.Ok;
    }

    /// <summary>How often status.json is rewritten when nothing else happens.</summary>
    public static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(10);

    private static void WriteSummary(RunDirectory dir, ResolvedConfig cfg, string status, int exitCode, string? error,
        PipelineResult? result, StageReport? report, IReadOnlyDictionary<string, double>? final, DateTimeOffset startedAt, string? device)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("preset", cfg.Run.Preset);
            w.WriteString("status", status);
            w.WriteNumber("exit_code", exitCode);
            if (error is not null) w.WriteString("error", error);
            w.WriteString("started_at", startedAt);
            w.WriteString("finished_at", DateTimeOffset.UtcNow);
            RunFacts.Write(w, withLibTorch: device is not null);
            if (device is not null) w.WriteString("device", device);
            w.WriteString("dataset", cfg.Data.Dataset);
            w.WriteString("data_dir", Nnclr.Host.Training.DatasetLocator.DirectoryFor(cfg.Data));
            if (result is not null)
            {
                w.WriteNumber("steps", result.Steps);
                w.WriteNumber("epoch", result.Cursor.Epoch);
                w.WriteNumber("elapsed_s", Math.Round(result.ElapsedSeconds, 3));
                if (double.IsFinite(result.LastLoss)) w.WriteNumber("final_loss", result.LastLoss);
                if (double.IsFinite(result.LastNnAccuracy)) w.WriteNumber("final_nn_acc", result.LastNnAccuracy);
                if (result.LastCheckpoint is { } c)
                {
                    w.WriteStartObject("last_checkpoint");
                    w.WriteNumber("step", c.Step);
                    w.WriteNumber("cursor_epoch", c.Cursor.Epoch);
                    w.WriteNumber("cursor_position", c.Cursor.Position);
                    w.WriteEndObject();
                }
            }
            if (final is not null)
            {
                w.WriteStartObject("final_eval");
                foreach (var (name, value) in final) w.WriteNumber(name, value);
                w.WriteEndObject();
            }
            if (report is not null)
            {
                w.WritePropertyName("stages");
                report.WriteJson(w);
            }
            w.WriteEndObject();
        }
        RunDirectory.WriteAtomically(dir.Summary, Encoding.UTF8.GetString(ms.ToArray()));
    }
}
