namespace Nnclr.Host.Cli;

/// <summary>A positional argument a command declares, read with <see cref="CliArgs.Positional"/>.</summary>
/// <param name="Name">Placeholder in help, e.g. "DIR".</param>
/// <param name="Description">What it is.</param>
/// <param name="Required">False when it may be left out (only the last ones).</param>
/// <param name="Choices">The only values accepted, or null for any.</param>
public sealed record CliArgument(string Name, string Description, bool Required = true, IReadOnlyList<string>? Choices = null);
