namespace Nnclr.Model;

/// <summary>A checkpoint file that is damaged, truncated, of another format version, or not a checkpoint. The message names the file and the fault.</summary>
public sealed class CheckpointFormatException : Exception
{
    /// <summary>The file.</summary>
    public string Path { get; }

    public CheckpointFormatException(string path, string problem, Exception? inner = null)
        : base($"checkpoint {path}: {problem}", inner) => Path = path;
}
