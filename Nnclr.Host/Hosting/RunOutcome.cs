namespace Nnclr.Host.Hosting;

/// <summary>How the hosted run ended; read by <see cref="TrainingHost"/> after the host stops.</summary>
public sealed class RunOutcome
{
    /// <summary>Process exit code; RunFailed until the run sets it (e.g. the shutdown timeout expired first).</summary>
    public int ExitCode { get; set; } = ExitCodes.RunFailed;

    /// <summary>The one-line error when the run failed; null otherwise.</summary>
    public string? Error { get; set; } = "the run did not finish (host stopped before the training run ended)";
}
