namespace Nnclr.Model;

/// <summary>
/// Finds the checkpoint a command means: a checkpoint file, a checkpoints folder, or a run directory (its
/// checkpoints/ folder; with run.json, that run's own newest valid checkpoint). Damaged newer files are skipped with a warning.
/// </summary>
public static class CheckpointLocator
{
    /// <summary>True when <paramref name="path"/> is a folder or a file starting with the checkpoint magic.</summary>
    public static bool IsCheckpoint(string path)
    {
        if (Directory.Exists(path)) return true;
        if (!File.Exists(path)) return false;
        Span<byte> head = stackalloc byte[8];
        using var fs = File.OpenRead(path);
        return fs.ReadAtLeast(head, 8, throwOnEndOfStream: false) == 8 && head.SequenceEqual(CheckpointFile.Magic);
    }

    /// <summary>The newest valid checkpoint at <paramref name="path"/>; throws <see cref="CheckpointFormatException"/> naming the folder when it holds none.</summary>
    public static (TrainerState State, CheckpointMeta Meta, string Path) Latest(string path, Action<string> warn)
    {
        if (!Directory.Exists(path))
        {
            var (state, meta) = CheckpointFile.Read(path);
            return (state, meta, System.IO.Path.GetFullPath(path));
        }
        var run = RunDirectory.ForCheckpoints(path, out var dir) is { } runDir ? RunIdentity.Load(runDir.Root, warn) : null;
        var latest = new CheckpointDirectory(dir, keepLast: int.MaxValue, run).LoadLatestValid(warn)
            ?? throw new CheckpointFormatException(dir, "folder holds no valid checkpoint (ckpt-*.nnclr)");
        return (latest.State, latest.Meta, latest.Path);
    }
}
