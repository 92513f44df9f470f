using Microsoft.Extensions.Logging;
using Nnclr.Model;

namespace Nnclr.Host.Report;

/// <summary>Writes a run's report at its end; a report that cannot be written is a warning, never a failed run.</summary>
internal static partial class ReportWriter
{
    public static void TryWrite(string runDir, ILogger logger)
    {
        if (!File.Exists(new RunDirectory(runDir).Metrics)) return; // the run never logged an interval
        try { ReportWritten(logger, RunReport.Write(runDir)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException or TypeInitializationException or DllNotFoundException)
        {
            ReportFailed(logger, runDir, e.Message);
        }
    }

    [LoggerMessage(20, LogLevel.Information, "run report written: {path}", EventName = "report_written")]
    private static partial void ReportWritten(ILogger logger, string path);

    [LoggerMessage(21, LogLevel.Warning, "run report for {run_dir} not written: {error}", EventName = "report_failed")]
    private static partial void ReportFailed(ILogger logger, string run_dir, string error);
}
