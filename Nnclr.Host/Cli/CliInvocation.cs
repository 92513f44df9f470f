namespace Nnclr.Host.Cli;

/// <summary>A parsed command line that runs a command: the command and its arguments.</summary>
/// <param name="Command">The command the words selected.</param>
/// <param name="Args">Its options and positionals.</param>
public sealed record CliInvocation(ICliCommand Command, CliArgs Args);
