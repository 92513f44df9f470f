namespace Nnclr.Host.Cli;

/// <summary>
/// One option a command declares: `nnclr COMMAND --help` prints it and the parser accepts it; the command reads it
/// with <see cref="CliArgs"/> exactly as before (String/Int/Long/Double/Flag/Has/Strings).
/// </summary>
/// <param name="Name">The long name without dashes, e.g. "batch-size".</param>
/// <param name="Kind">Switch or the value's type (checked when parsing, so `--epochs x` is a usage error).</param>
/// <param name="Description">What it means, one line.</param>
/// <param name="Default">What the command uses when it is absent (shown in help); null = nothing to show.</param>
/// <param name="ValueName">The value's placeholder in help, e.g. "N" or "DIR".</param>
/// <param name="Repeatable">May be given more than once (read with <see cref="CliArgs.Strings"/>).</param>
/// <param name="Alias">A short alias such as "-p", or null.</param>
public sealed record CliOption(string Name, CliValueKind Kind, string Description, string? Default = null,
    string? ValueName = null, bool Repeatable = false, string? Alias = null)
{
    /// <summary>A switch: `--name`.</summary>
    public static CliOption Switch(string name, string description, string? alias = null) =>
        new(name, CliValueKind.Switch, description, Alias: alias);

    /// <summary>A text value: `--name VALUE`.</summary>
    public static CliOption Text(string name, string valueName, string description, string? @default = null, string? alias = null) =>
        new(name, CliValueKind.String, description, @default, valueName, Alias: alias);

    /// <summary>A 32-bit integer value.</summary>
    public static CliOption Int(string name, string description, string? @default = null, string valueName = "N") =>
        new(name, CliValueKind.Int, description, @default, valueName);

    /// <summary>A 64-bit integer value.</summary>
    public static CliOption Long(string name, string description, string? @default = null, string valueName = "N") =>
        new(name, CliValueKind.Long, description, @default, valueName);

    /// <summary>A number.</summary>
    public static CliOption Double(string name, string description, string? @default = null, string valueName = "X") =>
        new(name, CliValueKind.Double, description, @default, valueName);
}
