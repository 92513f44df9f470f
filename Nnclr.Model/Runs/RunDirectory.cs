using System.Globalization;
using Nnclr.Data;

namespace Nnclr.Model;

/// <summary>
/// The layout of one run's output directory, and the only owner of its file names. Each file has one record type
/// shared by its writer and its readers and is replaced through <see cref="AtomicFile"/>:
/// <code>
/// run.json              RunIdentity      (Model: who the run is)
/// config.resolved.json  ResolvedConfig   (Host: every setting as used)
/// metrics.jsonl         MetricsLine and EvalLine, one JSON object a line (Pipeline)
/// status.json           RunStatus        (Pipeline: the heartbeat)
/// summary.json          RunSummary       (Pipeline: how the run ended)
/// checkpoints/          CheckpointFile   (Model)
/// tensorboard/          TensorBoard event files
/// report/               report.html and its charts (Host)
/// previous-&lt;utc&gt;/     an earlier run's files, moved aside by --force
/// </code>
/// </summary>
public sealed class RunDirectory
{
    /// <summary>The run's identity (<see cref="RunIdentity"/>).</summary>
    public const string IdentityFile = "run.json";
    /// <summary>Every configuration section as used.</summary>
    public const string ResolvedConfigFile = "config.resolved.json";
    /// <summary>One JSON object per log interval and per evaluation.</summary>
    public const string MetricsFile = "metrics.jsonl";
    /// <summary>The heartbeat, rewritten while the run lives.</summary>
    public const string StatusFile = "status.json";
    /// <summary>The outcome: status, steps, time, throughput, stage table, final evaluation.</summary>
    public const string SummaryFile = "summary.json";
    /// <summary>Checkpoints (ckpt-*.nnclr): written by the checkpoint sink, read by --resume and `nnclr eval`.</summary>
    public const string CheckpointsFolder = "checkpoints";
    /// <summary>TensorBoard event files.</summary>
    public const string TensorBoardFolder = "tensorboard";
    /// <summary>The HTML report and its charts.</summary>
    public const string ReportFolder = "report";
    /// <summary>Prefix of the folders --force moves an earlier run's files into ("previous-20261204T163038Z").</summary>
    public const string PreviousPrefix = "previous-";

    /// <summary>Every file and folder a run writes: --force moves all of them aside.</summary>
    public static IReadOnlyList<string> RunFiles { get; } =
        [ResolvedConfigFile, MetricsFile, SummaryFile, StatusFile, IdentityFile, CheckpointsFolder, TensorBoardFolder, ReportFolder];

    /// <summary>
    /// Those that mean a run happened there (a directory without any is free): a run that failed before it started
    /// training leaves only config.resolved.json and summary.json, which the next run simply replaces.
    /// </summary>
    public static IReadOnlyList<string> Evidence { get; } = [MetricsFile, IdentityFile, CheckpointsFolder, TensorBoardFolder];

    /// <summary>Names the run directory at <paramref name="root"/> (made absolute); creates nothing.</summary>
    public RunDirectory(string root) => Root = Path.GetFullPath(root);

    /// <summary>The run directory itself.</summary>
    public string Root { get; }

    /// <summary>&lt;run-dir&gt;/run.json.</summary>
    public string Identity => Path.Combine(Root, IdentityFile);
    /// <summary>&lt;run-dir&gt;/config.resolved.json.</summary>
    public string ResolvedConfig => Path.Combine(Root, ResolvedConfigFile);
    /// <summary>&lt;run-dir&gt;/metrics.jsonl.</summary>
    public string Metrics => Path.Combine(Root, MetricsFile);
    /// <summary>&lt;run-dir&gt;/status.json.</summary>
    public string Status => Path.Combine(Root, StatusFile);
    /// <summary>&lt;run-dir&gt;/summary.json.</summary>
    public string Summary => Path.Combine(Root, SummaryFile);
    /// <summary>&lt;run-dir&gt;/checkpoints.</summary>
    public string Checkpoints => Path.Combine(Root, CheckpointsFolder);
    /// <summary>&lt;run-dir&gt;/tensorboard.</summary>
    public string TensorBoard => Path.Combine(Root, TensorBoardFolder);
    /// <summary>&lt;run-dir&gt;/report.</summary>
    public string Report => Path.Combine(Root, ReportFolder);

    /// <summary>
    /// Takes the run directory's lock (creating the directory) for the run's life: a second process training into it
    /// is refused at once with <see cref="FolderLockedException"/> naming the holder; the kernel releases the lock when
    /// the holder dies, so a crashed run's directory can be resumed. The lock files (<see cref="FolderLock.LockFile"/>,
    /// <see cref="FolderLock.HolderFile"/>) are not run files: --force leaves them in place.
    /// </summary>
    public FolderLock Lock(string command) => FolderLock.Acquire(Root, command);

    /// <summary>Whether a process holds the run directory's lock now, and who holds or last held it.</summary>
    public (bool Held, FolderLock.Holder? Holder) LockHolder() => FolderLock.Probe(Root);

    /// <summary>Creates the run directory and its checkpoints folder (IOException, UnauthorizedAccessException when it cannot).</summary>
    public RunDirectory Create()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Checkpoints);
        return this;
    }

    /// <summary>
    /// The run directory a checkpoints folder belongs to: <paramref name="path"/>/checkpoints when that exists
    /// (<paramref name="path"/> is a run directory), <paramref name="path"/>'s parent when it is itself named
    /// checkpoints, otherwise null (a loose folder of checkpoints). <paramref name="checkpoints"/> is the folder to read.
    /// </summary>
    public static RunDirectory? ForCheckpoints(string path, out string checkpoints)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (Directory.Exists(Path.Combine(full, CheckpointsFolder)))
        {
            checkpoints = Path.Combine(full, CheckpointsFolder);
            return new RunDirectory(full);
        }
        checkpoints = full;
        return Path.GetFileName(full) == CheckpointsFolder ? new RunDirectory(Path.GetDirectoryName(full)!) : null;
    }

    /// <summary>The run files present (a folder counts when it has an entry other than an interrupted write's temp file).</summary>
    public IReadOnlyList<string> Present(IReadOnlyList<string> names)
    {
        if (!Directory.Exists(Root)) return [];
        return names.Where(name =>
        {
            var path = Path.Combine(Root, name);
            return File.Exists(path) || (Directory.Exists(path)
                && Directory.EnumerateFileSystemEntries(path).Any(e => !e.EndsWith(AtomicFile.TempSuffix, StringComparison.Ordinal)));
        }).ToList();
    }

    /// <summary>
    /// Moves every run file present (<see cref="RunFiles"/>, empty folders and temp files included) into a new
    /// previous-&lt;utc&gt;/ folder and returns it; nothing is deleted.
    /// </summary>
    public string MoveAside()
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var target = Path.Combine(Root, PreviousPrefix + stamp);
        for (int n = 2; Directory.Exists(target); n++) target = Path.Combine(Root, $"{PreviousPrefix}{stamp}-{n}");
        Directory.CreateDirectory(target);
        foreach (var name in RunFiles)
        {
            var from = Path.Combine(Root, name);
            if (File.Exists(from)) File.Move(from, Path.Combine(target, name));
            else if (Directory.Exists(from)) Directory.Move(from, Path.Combine(target, name));
        }
        AtomicFile.SyncDirectory(Root);
        return target;
    }
}
