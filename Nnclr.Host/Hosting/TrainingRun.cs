using Microsoft.Extensions.Logging;
using Nnclr.Data;
using Nnclr.Host.Configuration;
using Nnclr.Model;
using Nnclr.Pipeline;
using Nnclr.Pipeline.Metrics;
using Nnclr.Pipeline.Session;

namespace Nnclr.Host.Hosting;

/// <summary>
/// One training run as the host sees it: writes config.resolved.json, runs the <see cref="TrainingSession"/> (ports,
/// pipeline, final evaluation, NaN rollback: Nnclr.Pipeline/Session) and turns its outcome into summary.json and an
/// exit code.
/// </summary>
/// summary.json is written on every ending: completed, stopped (also during the final evaluation) and failed (with the
/// error). Errors about the run directory itself also go to <c>error</c> (stderr), since the log may be a file.
public sealed class TrainingRun(ResolvedConfig config, Func<TrainingConfig, ITrainingPorts> portsFactory, ILogger<TrainingRun> logger,
    TextWriter? progress, TextWriter? error = null)
{
    // When ExecuteAsync began (summary.json's started_at).
    private DateTimeOffset _startedAt = DateTimeOffset.UtcNow;

    /// <summary>Runs to the end; <paramref name="stop"/> (SIGTERM, Ctrl-C) ends it after the current step with a checkpoint.</summary>
    public async Task<int> ExecuteAsync(CancellationToken stop)
    {
        _startedAt = DateTimeOffset.UtcNow;
        RunDirectory dir;
        try
        {
            dir = new RunDirectory(config.RunDir).Create();
            AtomicFile.WriteAllText(dir.ResolvedConfig, config.ToResolvedJson());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RunDirectoryError($"cannot write the run directory {config.RunDir}: {e.Message}");
            return ExitCodes.RunFailed;
        }
        var session = new TrainingSession(portsFactory, logger, progress, dir.Metrics, dir.TensorBoard);
        SessionOutcome outcome;
        try { outcome = await session.RunAsync(config, stop); }
        catch (Exception e)
        {
            // The ports could not be built. Configuration errors keep their exit code (the service maps them); the record is written either way.
            TryWriteSummary(dir, config, "failed", NnclrConfiguration.Describe(e) is null ? ExitCodes.RunFailed : ExitCodes.Usage,
                e.Message, null, null, null);
            throw;
        }
        int exitCode = outcome.Failed ? ExitCodes.RunFailed : ExitCodes.Ok;
        TryWriteSummary(dir, config, outcome.Status, exitCode, outcome.Error, outcome.Result, outcome.Report, outcome.Final, outcome.Device);
        return exitCode;
    }

    // Logs an error about the run directory and repeats it on stderr.
    private void RunDirectoryError(string message)
    {
        Log.Failed(logger, message);
        (error ?? Console.Error).WriteLine($"nnclr train: {message}");
    }

    // Writes summary.json; when even that fails, the reason goes to the log and stderr (the run's own outcome stands).
    private void TryWriteSummary(RunDirectory dir, ResolvedConfig cfg, string status, int exitCode, string? message,
        PipelineResult? result, StageReport? report, IReadOnlyDictionary<string, double>? final, string? device = null)
    {
        try { WriteSummary(dir, cfg, status, exitCode, message, result, report, final, _startedAt, device); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RunDirectoryError($"cannot write {dir.Summary}: {e.Message}");
        }
    }

    private static void WriteSummary(RunDirectory dir, ResolvedConfig cfg, string status, int exitCode, string? error,
        PipelineResult? result, StageReport? report, IReadOnlyDictionary<string, double>? final, DateTimeOffset startedAt, string? device)
    {
        var summary = RunSummary.WithRunFacts(withLibTorch: device is not null) with
        {
            Preset = cfg.Run.Preset, Status = status, ExitCode = exitCode, Error = error, StartedAt = startedAt, FinishedAt = DateTimeOffset.UtcNow,
            Device = device, Dataset = cfg.Data.Dataset, DataDir = DatasetLocator.DirectoryFor(cfg.Data),
            Steps = result?.Steps, Epoch = result?.Cursor.Epoch, ElapsedSeconds = result is null ? null : Math.Round(result.ElapsedSeconds, 3),
            FinalLoss = result is not null && double.IsFinite(result.LastLoss) ? result.LastLoss : null,
            FinalNnAccuracy = result is not null && double.IsFinite(result.LastNnAccuracy) ? result.LastNnAccuracy : null,
            LastCheckpoint = result?.LastCheckpoint is { } c ? new SummaryCheckpoint(c.Step, c.Cursor.Epoch, c.Cursor.Position) : null,
            FinalEval = final?.ToDictionary(), Stages = report?.ToRecord(),
        };
        summary.Save(dir);
    }
}
