using System.Globalization;
using Nnclr.Data;

namespace Nnclr.Model;

/// <summary>
/// A run's checkpoint folder: files "ckpt-&lt;12-digit step&gt;.nnclr" (or "ckpt-&lt;step&gt;-&lt;run id prefix&gt;.nnclr" when
/// another run's file already has that name). With a <see cref="RunIdentity"/>, every file written carries the run id,
/// and pruning (keep the newest K by step) and <see cref="LoadLatestValid"/> consider only files whose header
/// carries the same id: another run's checkpoints in the same folder are never deleted nor resumed. Without one
/// (reading a folder in `eval`/`export`) every checkpoint counts, newest by name.
/// </summary>
public sealed class CheckpointDirectory
{
    // Absolute folder path; created on first save.
    private readonly string _dir;
    // Files of this run kept after each save, ≥ 1.
    private readonly int _keepLast;
    private const string Prefix = "ckpt-";
    private const string Extension = ".nnclr";
    // Digits of the step in a file name.
    private const int StepDigits = 12;
    // Characters of the run id in a disambiguated file name.
    private const int RunTagLength = 8;

    /// <summary>Opens <paramref name="dir"/>; <paramref name="run"/> = the run that owns the files it writes and may prune (null: read-only use, every file counts).</summary>
    public CheckpointDirectory(string dir, int keepLast, RunIdentity? run = null)
    {
        if (keepLast < 1) throw new ArgumentException($"checkpoints to keep must be at least 1, got {keepLast}", nameof(keepLast));
        _dir = Path.GetFullPath(dir);
        _keepLast = keepLast;
        Run = run;
    }

    /// <summary>The folder.</summary>
    public string Directory => _dir;

    /// <summary>The run whose files this instance writes, prunes and resumes; null = all files.</summary>
    public RunIdentity? Run { get; }

    /// <summary>
    /// Writes a checkpoint for <paramref name="meta"/>.Step (atomically; RunId and ConfigHash set from <see cref="Run"/>),
    /// then deletes all but the newest K of this run's files; returns its path. A kill between the write and the
    /// prune leaves K + 1 of this run's files, which the next save brings back to K.
    /// </summary>
    public string Save(TrainerState state, CheckpointMeta meta)
    {
        System.IO.Directory.CreateDirectory(_dir);
        if (Run is not null) { meta.RunId = Run.RunId; meta.ConfigHash = Run.ConfigHash; }
        foreach (var stale in System.IO.Directory.EnumerateFiles(_dir, Prefix + "*" + Extension + AtomicFile.TempSuffix)) File.Delete(stale);
        var step = meta.Step.ToString("D" + StepDigits, CultureInfo.InvariantCulture);
        var path = Path.Combine(_dir, Prefix + step + Extension);
        if (Run is not null && File.Exists(path) && OwnerOf(path) != Run.RunId)
            path = Path.Combine(_dir, Prefix + step + "-" + Run.RunId[..Math.Min(RunTagLength, Run.RunId.Length)] + Extension); // never overwrite another run's file
        CheckpointFile.Write(path, state, meta);
        var mine = Run is null ? List().Select(p => (Path: p, Step: 0L)).ToList() : ListRun();
        for (int i = 0; i < mine.Count - _keepLast; i++) File.Delete(mine[i].Path);
        return path;
    }

    /// <summary>Every checkpoint file in the folder, of any run, by name.</summary>
    public IReadOnlyList<string> List()
    {
        if (!System.IO.Directory.Exists(_dir)) return [];
        return System.IO.Directory.EnumerateFiles(_dir, Prefix + "*" + Extension)
            .Where(p => IsCheckpointName(Path.GetFileName(p)))
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>This run's files (header run id = <see cref="Run"/>'s), oldest first by the step in their header. Files whose header cannot be read are not this run's.</summary>
    public IReadOnlyList<(string Path, long Step)> ListRun()
    {
        if (Run is null) throw new InvalidOperationException("ListRun needs the directory's run identity");
        var mine = new List<(string Path, long Step)>();
        foreach (var path in List())
        {
            try
            {
                var meta = CheckpointFile.ReadMeta(path);
                if (meta.RunId == Run.RunId) mine.Add((path, meta.Step));
            }
            catch (CheckpointFormatException) { } // not attributable to this run: left alone
        }
        return mine.OrderBy(m => m.Step).ThenBy(m => m.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The newest usable checkpoint (of this run when <see cref="Run"/> is set): it reads and verifies, and
    /// <paramref name="usable"/> (when given) returns null for it. Each newer one that fails is reported to
    /// <paramref name="warn"/> with the file and the reason and skipped. Null when none.
    /// </summary>
    public (TrainerState State, CheckpointMeta Meta, string Path)? LoadLatestValid(Action<string> warn, Func<TrainerState, CheckpointMeta, string, string?>? usable = null)
    {
        IReadOnlyList<string> candidates;
        if (Run is null) candidates = List();
        else
        {
            var all = List();
            var mine = ListRun();
            foreach (var other in all.Except(mine.Select(m => m.Path)))
                if (HeaderProblem(other) is { } problem) warn($"skipping {problem} (cannot tell which run wrote it)");
            candidates = mine.Select(m => m.Path).ToList();
        }
        for (int i = candidates.Count - 1; i >= 0; i--)
        {
            try
            {
                var (state, meta) = CheckpointFile.Read(candidates[i]);
                if (usable?.Invoke(state, meta, candidates[i]) is { } reason)
                {
                    warn($"skipping checkpoint {candidates[i]}: {reason}");
                    continue;
                }
                return (state, meta, candidates[i]);
            }
            catch (CheckpointFormatException e) { warn($"skipping {e.Message}"); }
        }
        return null;
    }

    // The run id in a file's header, or null when the header cannot be read.
    private static string? OwnerOf(string path)
    {
        try { return CheckpointFile.ReadMeta(path).RunId; }
        catch (CheckpointFormatException) { return null; }
    }

    // The header's fault, or null when it reads.
    private static string? HeaderProblem(string path)
    {
        try { CheckpointFile.ReadMeta(path); return null; }
        catch (CheckpointFormatException e) { return e.Message; }
    }

    // "ckpt-" 12 digits [ "-" 1..RunTagLength hex/letters ] ".nnclr".
    private static bool IsCheckpointName(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal) || !name.EndsWith(Extension, StringComparison.Ordinal)) return false;
        var middle = name.AsSpan(Prefix.Length, name.Length - Prefix.Length - Extension.Length);
        if (middle.Length < StepDigits || !IsDigits(middle[..StepDigits])) return false;
        var tail = middle[StepDigits..];
        return tail.Length == 0 || (tail[0] == '-' && tail.Length is > 1 and <= RunTagLength + 1 && IsAlphaNumeric(tail[1..]));
    }

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s) if (!char.IsAsciiDigit(c)) return false;
        return true;
    }

    private static bool IsAlphaNumeric(ReadOnlySpan<char> s)
    {
        foreach (var c in s) if (!char.IsAsciiLetterOrDigit(c)) return false;
        return true;
    }
}
