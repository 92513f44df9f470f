namespace Nnclr.Host.Hosting;

/// <summary>Process exit codes of `nnclr train`.</summary>
public static class ExitCodes
{
    /// <summary>Finished, or stopped cleanly by SIGTERM/Ctrl-C with a final checkpoint.</summary>
    public const int Ok = 0;

    /// <summary>The run failed: a stage error, NaN/Inf loss, a checkpoint write failure.</summary>
    public const int RunFailed = 1;

    /// <summary>Usage or configuration error, reported before any work.</summary>
    public const int Usage = 2;
}
