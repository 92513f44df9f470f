using System.Globalization;

namespace Nnclr.Model;

/// <summary>A run's checkpoint folder: files "ckpt-&lt;12-digit step&gt;.nnclr", of which the newest K are kept.</summary>
public sealed class CheckpointDirectory
{
    // Absolute folder path; created on first save.
    private readonly string _dir;
    // Files kept after each save, ≥ 1.
    private readonly int _keepLast;
    private const string Prefix = "ckpt-";
    private const string Extension = ".nnclr";

    public CheckpointDirectory(string dir, int keepLast)
    {
        if (keepLast < 1) throw new ArgumentException($"checkpoints to keep must be at least 1, got {keepLast}", nameof(keepLast));
        _dir = Path.GetFullPath(dir);
        _keepLast = keepLast;
    }

    /// <summary>The folder.</summary>
    public string Directory => _dir;

    /// <summary>Writes a checkpoint for <paramref name="meta"/>.Step (atomically), then deletes all but the newest K; returns its path.</summary>
    public string Save(TrainerState state, CheckpointMeta meta)
    {
        System.IO.Directory.CreateDirectory(_dir);
        foreach (var stale in System.IO.Directory.EnumerateFiles(_dir, Prefix + "*" + Extension + ".tmp")) File.Delete(stale);
        var path = Path.Combine(_dir, Prefix + meta.Step.ToString("D12", CultureInfo.InvariantCulture) + Extension);
        CheckpointFile.Write(path, state, meta);
        var all = List();
        for (int i = 0; i < all.Count - _keepLast; i++) File.Delete(all[i]);
        return path;
    }

    /// <summary>Checkpoint files, oldest first (by step in the name).</summary>
    public IReadOnlyList<string> List()
    {
        if (!System.IO.Directory.Exists(_dir)) return [];
        return System.IO.Directory.EnumerateFiles(_dir, Prefix + "*" + Extension)
            .Where(p => Path.GetFileName(p).Length == Prefix.Length + 12 + Extension.Length)
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The newest checkpoint that reads and verifies; each damaged newer one is reported to <paramref name="warn"/> and skipped. Null when none.</summary>
    public (TrainerState State, CheckpointMeta Meta, string Path)? LoadLatestValid(Action<string> warn)
    {
        var all = List();
        for (int i = all.Count - 1; i >= 0; i--)
        {
            try
            {
                var (state, meta) = CheckpointFile.Read(all[i]);
                return (state, meta, all[i]);
            }
            catch (CheckpointFormatException e) { warn($"skipping {e.Message}"); }
        }
        return null;
    }
}
