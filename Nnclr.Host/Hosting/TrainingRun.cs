using System.Text;
using System.Text.Json;
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
        // Data parallel: rank 0 alone writes the run directory; the others keep their records in a scratch folder, removed at the end.
        var launch = Nnclr.Model.Distributed.LaunchInfo.Current;
        string? scratch = launch.Rank == 0 ? null : Path.Combine(Path.GetTempPath(), $"nnclr-rank{launch.Rank}-{Environment.ProcessId}");
        try
        {
            dir = new RunDirectory(scratch ?? config.RunDir).Create();
            AtomicFile.WriteAllText(dir.ResolvedConfig, config.ToResolvedJson());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RunDirectoryError($"cannot write the run directory {config.RunDir}: {e.Message}");
            return ExitCodes.RunFailed;
        }
        var session = new TrainingSession(portsFactory, logger, progress, dir.Metrics, dir.TensorBoard, scratch);
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
        TryWriteSummary(dir, config, outcome.Status, exitCode, outcome.Error, outcome.Result, outcome.Report, outcome.Final, outcome.Device, launch.WorldSize);
        if (scratch is not null) try { Directory.Delete(scratch, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
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
        PipelineResult? result, StageReport? report, IReadOnlyDictionary<string, double>? final, string? device = null, int worldSize = 1)
    {
        try { WriteSummary(dir, cfg, status, exitCode, message, result, report, final, _startedAt, device, worldSize); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RunDirectoryError($"cannot write {dir.Summary}: {e.Message}");
        }
    }

    private static void WriteSummary(RunDirectory dir, ResolvedConfig cfg, string status, int exitCode, string? error,
        PipelineResult? result, StageReport? report, IReadOnlyDictionary<string, double>? final, DateTimeOffset startedAt, string? device, int worldSize)
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
            w.WriteNumber("world_size", worldSize);
            DatasetFacts.Write(w, DatasetLocator.DirectoryFor(cfg.Data), cfg.Data.Dataset);
            // The OS's peak resident set of this process (VmHWM): training and evaluation, libtorch included.
            w.WriteNumber("rss_peak_mb", Nnclr.Pipeline.Metrics.ProcessMemory.Mb(Nnclr.Pipeline.Metrics.ProcessMemory.Read().Peak));
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
                Report.EvaluationTable.Write(w, Report.EvaluationTable.FromFinalEval(final));
            }
            if (report is not null)
            {
                w.WritePropertyName("stages");
                report.WriteJson(w);
            }
            w.WriteEndObject();
        }
        AtomicFile.WriteAllBytes(dir.Summary, ms.ToArray());
    }
}
