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
        var run = new RunDirectory(cfg.RunDir);
        var dir = run.Root;
        if (run.Present(RunDirectory.Evidence).Count == 0) return null;
        if (cfg.Run.Resume)
        {
            var stored = run.ResolvedConfig;
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
            throw new ConfigurationException($"run directory {dir} holds another run ({string.Join(", ", run.Present(RunDirectory.RunFiles))}); " +
                "--resume to continue it, --force to move its files to previous-<utc>/ and start afresh, or --run-dir DIR for a new one");
        return run.MoveAside();
    }
}
