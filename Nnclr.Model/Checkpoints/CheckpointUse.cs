namespace Nnclr.Model;

/// <summary>Adapters between a trainer and <see cref="RunCheckpoints.Open"/>'s "is this checkpoint usable" question.</summary>
public static class CheckpointUse
{
    /// <summary>
    /// Restores a state into <paramref name="trainer"/>; null when it did, else why not (missing, extra or mis-shaped
    /// tensors). <see cref="NnclrTrainer.Restore"/> checks every tensor before it copies any, so a refused state
    /// leaves the trainer as it was.
    /// </summary>
    public static Func<TrainerState, string?> TryRestore(NnclrTrainer trainer) => state =>
    {
        try { trainer.Restore(state); return null; }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException) { return e.Message; }
    };
}
