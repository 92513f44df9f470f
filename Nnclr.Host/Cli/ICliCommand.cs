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

    /// <summary>Options that take no value (so `--resume --data X` and `--resume X` parse unambiguously).</summary>
    IReadOnlySet<string> Switches => Empty;

    /// <summary>No switches.</summary>
    static readonly IReadOnlySet<string> Empty = new HashSet<string>();

    /// <summary>Runs the command; returns the process exit code.</summary>
    Task<int> RunAsync(CliArgs args, CancellationToken ct);
}
