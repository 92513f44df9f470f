namespace Nnclr.Model;

/// <summary>--resume refused: the checkpoint's stored configuration differs from the current one in keys that change the maths.</summary>
public sealed class ConfigMismatchException : Exception
{
    /// <summary>The checkpoint.</summary>
    public string Path { get; }
    /// <summary>The differing keys, ordinal by key; never empty.</summary>
    public IReadOnlyList<ConfigChange> Changes { get; }

    public ConfigMismatchException(string path, IReadOnlyList<ConfigChange> changes)
        : base($"--resume refused: checkpoint {path} was written with a different configuration: {string.Join("; ", changes)} " +
               $"(differing keys: {string.Join(", ", changes.Select(c => c.Key))}; start a new run directory, or restore those settings)")
    {
        Path = path;
        Changes = changes;
    }
}
