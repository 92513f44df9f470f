namespace Nnclr.Model;

/// <summary>A weights file that cannot be read or does not fit the network: the message names the file and what is wrong.</summary>
public sealed class WeightsFormatException(string path, string problem) : Exception($"{path}: {problem}")
{
    /// <summary>The file.</summary>
    public string FilePath { get; } = path;
}
