using System.Text;

namespace Nnclr.Host.Hosting;

/// <summary>The layout of one run's output directory.</summary>
public sealed class RunDirectory
{
    public RunDirectory(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Checkpoints);
    }

    /// <summary>The run directory itself.</summary>
    public string Root { get; }

    /// <summary>&lt;run-dir&gt;/checkpoints: written by the checkpoint sink, read by --resume and `nnclr eval knn`.</summary>
    public string Checkpoints => Path.Combine(Root, "checkpoints");

    /// <summary>One JSON object per log interval.</summary>
    public string Metrics => Path.Combine(Root, "metrics.jsonl");

    /// <summary>TensorBoard event files.</summary>
    public string TensorBoard => Path.Combine(Root, "tensorboard");

    /// <summary>Every configuration section as used.</summary>
    public string ResolvedConfig => Path.Combine(Root, "config.resolved.json");

    /// <summary>The outcome: status, steps, time, throughput, stage table, final evaluation.</summary>
    public string Summary => Path.Combine(Root, "summary.json");

    /// <summary>Writes <paramref name="text"/> to a temp file, flushes it to disk and renames it over <paramref name="path"/>.</summary>
    public static void WriteAtomically(string path, string text)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
