using System.Globalization;
using Nnclr.Host.Configuration;
using Nnclr.Model;

namespace Nnclr.Host.Hosting;

/// <summary>
/// Keeps runs apart: a run directory holding another run's files is refused unless --resume (whose stored
/// configuration must match in every setting that changes the maths, bar --allow-config-change keys) or --force
/// (which moves those files into previous-&lt;utc&gt;/, never deleting anything).
/// </summary>
public static class RunDirectoryGuard
{
    /// <summary>The files and folders a run writes (--force moves all of them aside).</summary>
    public static IReadOnlyList<string> RunFiles { get; } =
        ["config.resolved.json", "metrics.jsonl", "summary.json", RunIdentity.FileName, "checkpoints", "tensorboard"];

    /// <summary>
    /// Those that mean a run happened there (a directory without any is free): a run that failed before it started
    /// training leaves only config.resolved.json and summary.json, which the next run simply replaces.
    /// </summary>
    public static IReadOnlyList<string> Evidence { get; } = ["metrics.jsonl", RunIdentity.FileName, "checkpoints", "tensorboard"];

    /// <summary>
    /// Checks <paramref name="cfg"/>'s run directory before a run starts; throws <see cref="ConfigurationException"/>
    /// (exit 2) when it must not be used. Returns the folder the old files were moved to, or null.
    /// </summary>
    public static string? Check(ResolvedConfig cfg, bool force, IReadOnlyList<string> allowedChanges)
    {
        foreach (var key in allowedChanges)
            if (!ConfigSchema.Keys.Contains(key, StringComparer.OrdinalIgnoreCase))
                throw new ConfigurationException($"--allow-config-change: '{key}' is not a setting" +
                    (ConfigSchema.Closest(key, ConfigSchema.Keys) is { } c ? $"; did you mean '{c}'?" : ""));
        if (allowedChanges.Count > 0 && !cfg.Run.Resume) throw new ConfigurationException("--allow-config-change only applies with --resume");
        if (force && cfg.Run.Resume) throw new ConfigurationException("give --resume (continue the run) or --force (start afresh, moving its files aside), not both");
        var dir = cfg.RunDir;
        if (Existing(dir, Evidence).Count == 0) return null;
        var found = Existing(dir, RunFiles);
        if (cfg.Run.Resume)
        {
            var stored = Path.Combine(dir, "config.resolved.json");
            if (!File.Exists(stored)) return null; // nothing to compare with: the checkpoints' own stored configuration is checked
            IReadOnlyList<ConfigChange> changes;
            try { changes = ConfigDiff.Compare(File.ReadAllText(stored), cfg.ToJson(), allowedChanges); }
            catch (System.Text.Json.JsonException e) { throw new ConfigurationException($"--resume: {stored} is not valid JSON: {e.Message}", e); }
            if (changes.Count > 0)
                throw new ConfigurationException($"--resume refused: the run in {dir} was configured differently: {string.Join(", ", changes)}; " +
                    $"if intended, add {string.Join(" ", changes.Select(x => $"--allow-config-change {x.Key}"))}");
            return null;
        }
        if (!force)
            throw new ConfigurationException($"run directory {dir} holds another run ({string.Join(", ", found)}); " +
                "--resume to continue it, --force to move its files to previous-<utc>/ and start afresh, or --run-dir DIR for a new one");
        return MoveAside(dir, found);
    }

    // The run files present in dir (a folder counts when it has an entry other than a *.tmp).
    private static List<string> Existing(string dir, IReadOnlyList<string> names)
    {
        if (!Directory.Exists(dir)) return [];
        return names.Where(name =>
        {
            var path = Path.Combine(dir, name);
            // A leftover temp file (an interrupted write) is not a result.
            return File.Exists(path) || (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any(e => !e.EndsWith(".tmp", StringComparison.Ordinal)));
        }).ToList();
    }

    // Moves the run files into a new previous-<utc>/ folder of dir and returns it.
    private static string MoveAside(string dir, IReadOnlyList<string> names)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var target = Path.Combine(dir, "previous-" + stamp);
        for (int n = 2; Directory.Exists(target); n++) target = Path.Combine(dir, $"previous-{stamp}-{n}");
        Directory.CreateDirectory(target);
        foreach (var name in names)
        {
            var from = Path.Combine(dir, name);
            if (File.Exists(from)) File.Move(from, Path.Combine(target, name));
            else Directory.Move(from, Path.Combine(target, name));
        }
        return target;
    }
}
