using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Model.Distributed;
using Nnclr.Model.Runtime;
using Nnclr.Pipeline.Session;

namespace Nnclr.Host;

/// <summary>The process exit codes of every command, and the one mapping from a run's result or an exception to them.</summary>
public static class ExitCodes
{
    /// <summary>Finished, or stopped cleanly by SIGTERM/Ctrl-C with a final checkpoint.</summary>
    public const int Ok = 0;

    /// <summary>The run or command failed: a stage error, NaN/Inf loss, a checkpoint write failure, bad data, I/O.</summary>
    public const int RunFailed = 1;

    /// <summary>Usage or configuration error, reported before any work.</summary>
    public const int Usage = 2;

    /// <summary>libtorch could not be loaded.</summary>
    public const int TorchMissing = 3;

    /// <summary>A command that does not stop cleanly was interrupted (SIGINT/SIGTERM), as a shell reports it.</summary>
    public const int Interrupted = 130;

    /// <summary>The exit code of a run that ended with <paramref name="result"/>.</summary>
    public static int Of(RunResult result) => result.End switch
    {
        RunEnd.Failed => result.Failure == RunFailure.Configuration ? Usage : RunFailed,
        _ => Ok,
    };

    /// <summary>
    /// The exit code of a command that threw <paramref name="e"/>; <paramref name="cancelled"/>: the command's stop was
    /// requested (then a cancellation is an interruption, not a failure).
    /// </summary>
    public static int Of(Exception e, bool cancelled = false) => e switch
    {
        OperationCanceledException when cancelled => Interrupted,
        CliException => Usage,
        TorchLoadException => TorchMissing,
        DeviceUnavailableException or DistributedLaunchException => Usage,
        _ when NnclrConfiguration.Describe(e) is not null => Usage,
        _ => RunFailed,
    };

    /// <summary>The kind of failure <paramref name="e"/> is when it ends a run: a configuration error, or the run failing.</summary>
    public static RunFailure FailureOf(Exception e) => NnclrConfiguration.Describe(e) is null ? RunFailure.Run : RunFailure.Configuration;
}
