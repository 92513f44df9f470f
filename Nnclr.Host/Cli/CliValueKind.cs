namespace Nnclr.Host.Cli;

/// <summary>What an option takes: nothing (a switch) or one value of a type checked at parse time.</summary>
public enum CliValueKind
{
    /// <summary>No value: present or not (`--resume`; `--resume false` also parses).</summary>
    Switch,
    /// <summary>Any text.</summary>
    String,
    /// <summary>A 32-bit integer.</summary>
    Int,
    /// <summary>A 64-bit integer.</summary>
    Long,
    /// <summary>A floating-point number (invariant culture).</summary>
    Double,
}
