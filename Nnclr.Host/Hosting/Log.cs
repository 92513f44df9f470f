using Microsoft.Extensions.Logging;

namespace Nnclr.Host.Hosting;

/// <summary>Source-generated log messages of the training host (the session's own are Nnclr.Pipeline/Session/SessionLog.cs).</summary>
internal static partial class Log
{
    [LoggerMessage(6, LogLevel.Error, "run failed: {error}", EventName = "failed")]
    public static partial void Failed(ILogger logger, string error);
}
