using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nnclr.Data;
using Nnclr.Host.Configuration;
using Nnclr.Host.Report;
using Nnclr.Model;
using Nnclr.Pipeline;
using Nnclr.Pipeline.Metrics;
using Nnclr.Pipeline.Session;

namespace Nnclr.Host.Hosting;

/// <summary>
/// `nnclr train`'s one hosted service: writes config.resolved.json, runs the <see cref="TrainingSession"/> (ports,
/// pipeline, final evaluation, NaN rollback: Nnclr.Pipeline/Session), writes summary.json and the report, keeps the
/// <see cref="RunResult"/> for <see cref="TrainingHost"/> (which maps it to the exit code with <see cref="ExitCodes.Of(RunResult)"/>)
/// and stops the application. The host's stopping token (SIGTERM, Ctrl-C) is the run's graceful stop.
/// </summary>
/// summary.json is written on every ending: completed, stopped (also during the final evaluation) and failed (with the
/// error). Errors about the run directory itself also go to <c>error</c> (stderr), since the log may be a file.
internal sealed class TrainingService(ResolvedConfig config, Func<TrainingConfig, ITrainingPorts> portsFactory, IHostApplicationLifetime lifetime,
    ILogger<TrainingService> logger, TextWriter? progress, TextWriter error) : BackgroundService
{
    /// <summary>How the run ended; until it has, a failure saying so (e.g. the shutdown timeout expired first).</summary>
    public RunResult Result { get; private set; } = RunResult.Failed(RunFailure.Run, "the run did not finish (host stopped before the training run ended)");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // let the host finish starting; the pipeline has threads of its own
        try { Result = await RunAsync(stoppingToken); }
        finally
        {
            if (Nnclr.Model.Distributed.LaunchInfo.Current.Rank == 0) ReportWriter.TryWrite(config.RunDir, logger); // rank 0 alone writes the run directory
            lifetime.StopApplication();
        }
    }

    // Runs to the end; stop (SIGTERM, Ctrl-C) ends it after the current step with a checkpoint. Never throws.
    private async Task<RunResult> RunAsync(CancellationToken stop)
    {
        var startedAt = DateTimeOffset.UtcNow;
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
            var message = $"cannot write the run directory {config.RunDir}: {e.Message}";
            RunDirectoryError(message);
            return RunResult.Failed(RunFailure.Run, message);
        }
        RunResult result;
        try { result = await new TrainingSession(portsFactory, logger, progress, dir.Metrics, dir.TensorBoard, ExitCodes.Of, scratch).RunAsync(config, stop); }
        catch (Exception e)
        {
            // The ports could not be built: a configuration error (exit 2) or a failure (exit 1); the summary is written either way.
            var failure = ExitCodes.FailureOf(e);
            Log.Failed(logger, failure == RunFailure.Configuration ? NnclrConfiguration.Describe(e)! : $"{e.GetType().Name}: {e.Message}");
            TryWriteSummary(dir, RunResult.Failed(failure, e.Message), startedAt, launch.WorldSize);
            return RunResult.Failed(failure, NnclrConfiguration.Describe(e) ?? e.Message);
        }
        TryWriteSummary(dir, result, startedAt, launch.WorldSize);
        if (scratch is not null) try { Directory.Delete(scratch, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return result;
    }

    // Logs an error about the run directory and repeats it on stderr.
    private void RunDirectoryError(string message)
    {
        Log.Failed(logger, message);
        error.WriteLine($"nnclr train: {message}");
    }

    // Writes summary.json; when even that fails, the reason goes to the log and stderr (the run's own result stands).
    private void TryWriteSummary(RunDirectory dir, RunResult result, DateTimeOffset startedAt, int worldSize)
    {
        try { Summary(result, startedAt, worldSize).Save(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RunDirectoryError($"cannot write {dir.Summary}: {e.Message}");
        }
    }

    private RunSummary Summary(RunResult r, DateTimeOffset startedAt, int worldSize)
    {
        var p = r.Pipeline;
        var dataDir = DatasetLocator.DirectoryFor(config.Data);
        var (dataset, datasetRead) = DatasetFacts.Read(dataDir, config.Data.Dataset);
        return RunSummary.WithRunFacts(withLibTorch: r.Device is not null) with
        {
            Preset = config.Run.Preset, Status = r.Status, ExitCode = ExitCodes.Of(r), Error = r.Error, StartedAt = startedAt, FinishedAt = DateTimeOffset.UtcNow,
            Device = r.Device, WorldSize = worldSize, Dataset = dataset, DataDir = dataDir, DatasetRead = datasetRead,
            RssPeakMb = ProcessMemory.Mb(ProcessMemory.Read().Peak),
            Steps = p?.Steps, Epoch = p?.Cursor.Epoch, ElapsedSeconds = p is null ? null : Math.Round(p.ElapsedSeconds, 3),
            FinalLoss = p is not null && double.IsFinite(p.LastLoss) ? p.LastLoss : null,
            FinalNnAccuracy = p is not null && double.IsFinite(p.LastNnAccuracy) ? p.LastNnAccuracy : null,
            LastCheckpoint = p?.LastCheckpoint is { } c ? new SummaryCheckpoint(c.Step, c.Cursor.Epoch, c.Cursor.Position) : null,
            FinalEval = r.Final is { } f ? FinalEvalPercent.From(f) : null, Stages = r.Report?.ToRecord(),
            Evaluation = r.Final is { } g ? Report.EvaluationTable.NodeOrNull(Report.EvaluationTable.FromFinalEval(
                FinalEvalPercent.From(g).Fields().ToDictionary(kv => kv.Key, kv => kv.Value))) : null,
        };
    }
}
