using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nnclr.Host.Configuration;
using Nnclr.Host.Report;

namespace Nnclr.Host.Hosting;

/// <summary>
/// The hosted service: a thin shell that runs the <see cref="TrainingRun"/>, records its exit code and stops
/// the application. The host's stopping token (SIGTERM, Ctrl-C) is the run's graceful stop.
/// </summary>
/// <remarks>When the run has ended (any way), the run report (charts + HTML) is written into &lt;run-dir&gt;/report.</remarks>
internal sealed class TrainingService(TrainingRun run, RunOutcome outcome, IHostApplicationLifetime lifetime, ILogger<TrainingService> logger,
    ResolvedConfig config)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // let the host finish starting; the pipeline has threads of its own
        try
        {
            outcome.ExitCode = await run.ExecuteAsync(stoppingToken);
            outcome.Error = outcome.ExitCode == ExitCodes.Ok ? null : "the run failed (see the log)";
        }
        catch (Exception e) when (NnclrConfiguration.Describe(e) is { } message)
        {
            (outcome.ExitCode, outcome.Error) = (ExitCodes.Usage, message);
            Log.Failed(logger, message);
        }
        catch (Exception e)
        {
            (outcome.ExitCode, outcome.Error) = (ExitCodes.RunFailed, e.Message);
            Log.Failed(logger, $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            if (Nnclr.Model.Distributed.LaunchInfo.Current.Rank == 0) ReportWriter.TryWrite(config.RunDir, logger); // rank 0 alone writes the run directory
            lifetime.StopApplication();
        }
    }
}
