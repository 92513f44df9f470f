namespace Nnclr.Host.Cli;

/// <summary>
/// One `nnclr` sub-command. Implementations live in Nnclr.Host/Commands, one per file. A command declares its
/// <see cref="Options"/> (and <see cref="Arguments"/>): System.CommandLine then parses, checks types, prints help and
/// rejects unknown tokens with "did you mean"; the body reads the same <see cref="CliArgs"/> as before.
/// </summary>
public interface ICliCommand
{
    /// <summary>The words that select it, e.g. "doctor" or "bench augment" (a group "bench" lists its commands).</summary>
    string Name { get; }

    /// <summary>One line for `nnclr --help` and the group's list.</summary>
    string Summary { get; }

    /// <summary>
    /// The options it accepts. Null = not declared yet (an old-style command): its words after the name go to the old
    /// hand-written parser and `--help` prints <see cref="Usage"/>.
    /// </summary>
    IReadOnlyList<CliOption>? Options => null;

    /// <summary>Positional arguments, in order.</summary>
    IReadOnlyList<CliArgument> Arguments => [];

    /// <summary>Old-style usage text (commands without <see cref="Options"/>); extra help text after the options otherwise.</summary>
    string Usage => "";

    /// <summary>Old-style: options that take no value (commands that declare <see cref="Options"/> say it there).</summary>
    IReadOnlySet<string> Switches => Empty;

    /// <summary>No switches.</summary>
    static readonly IReadOnlySet<string> Empty = new HashSet<string>();

    /// <summary>Runs the command; returns the process exit code.</summary>
    Task<int> RunAsync(CliArgs args, CancellationToken ct);
}
