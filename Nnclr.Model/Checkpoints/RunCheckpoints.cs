namespace Nnclr.Model;

/// <summary>
/// Starting or resuming a run in its directory: establishes the run's identity (run.json), opens its checkpoint
/// folder bound to that identity and, for --resume, finds the newest of this run's checkpoints that is usable,
/// refusing one whose stored configuration differs in maths-relevant keys.
/// </summary>
public static class RunCheckpoints
{
    /// <summary>
    /// Fresh run (<paramref name="resume"/> false): a new identity, written to &lt;<paramref name="runDir"/>&gt;/run.json.
    /// Resume: the identity in run.json (none: any run's checkpoints are candidates, legacy folders); the newest of
    /// its checkpoints that reads, verifies and passes <paramref name="usable"/> (null = usable; otherwise the reason,
    /// warned and skipped) is returned, after <see cref="ConfigDiff.Compare"/> against <paramref name="configJson"/>
    /// found no differences outside <paramref name="allowedChanges"/> (else <see cref="ConfigMismatchException"/>).
    /// No usable checkpoint: a new run starts (new identity).
    /// </summary>
    public static (CheckpointDirectory Directory, (TrainerState State, CheckpointMeta Meta, string Path)? Resumed) Open(
        string runDir, int keepLast, string configJson, bool resume, Action<string> warn,
        Func<TrainerState, string?>? usable = null, IEnumerable<string>? allowedChanges = null)
    {
        var checkpoints = new RunDirectory(runDir).Checkpoints;
        if (resume)
        {
            var stored = RunIdentity.Load(runDir, warn);
            var allowed = allowedChanges?.ToArray() ?? [];
            var found = new CheckpointDirectory(checkpoints, keepLast, stored).LoadLatestValid(warn, (state, meta, path) =>
            {
                IReadOnlyList<ConfigChange> changes;
                try { changes = ConfigDiff.Compare(meta.ConfigJson, configJson, allowed); }
                catch (System.Text.Json.JsonException e) { return $"its stored configuration is not valid JSON: {e.Message}"; }
                if (changes.Count > 0) throw new ConfigMismatchException(path, changes);
                return usable?.Invoke(state);
            });
            if (found is { } c)
            {
                var runId = stored?.RunId ?? (c.Meta.RunId.Length > 0 ? c.Meta.RunId : Guid.NewGuid().ToString("N"));
                var identity = new RunIdentity(runId, ConfigDiff.Hash(configJson));
                if (identity != stored) identity.Save(runDir);
                return (new CheckpointDirectory(checkpoints, keepLast, identity), c);
            }
        }
        var fresh = RunIdentity.New(configJson);
        fresh.Save(runDir);
        return (new CheckpointDirectory(checkpoints, keepLast, fresh), null);
    }
}
