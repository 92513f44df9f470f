namespace Nnclr.Host.Cli;

/// <summary>One `nnclr` sub-command. Implementations live in Nnclr.Host/Commands, one per file.</summary>
public interface ICliCommand
{
    /// <summary>The words that select it, e.g. "doctor" or "bench augment".</summary>
    string Name { get; }

    /// <summary>One line for `nnclr help`.</summary>
    string Summary { get; }

    /// <summary>The usage text shown by `nnclr NAME --help`.</summary>
    string Usage { get; }

    /// <summary>Runs the command; returns the process exit code.</summary>
    Task<int> RunAsync(CliArgs args, CancellationToken ct);
}
