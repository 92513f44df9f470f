namespace Nnclr.Model;

/// <summary>Where a run stood when a checkpoint was taken, and its full configuration. Stored as JSON in the checkpoint header.</summary>
public sealed class CheckpointMeta
{
    /// <summary>Optimiser steps taken.</summary>
    public long Step { get; set; }
    /// <summary>Completed epochs.</summary>
    public long Epoch { get; set; }
    /// <summary>Data cursor: the epoch whose permutation is being read.</summary>
    public long CursorEpoch { get; set; }
    /// <summary>Data cursor: images of that epoch already consumed.</summary>
    public long CursorPosition { get; set; }
    /// <summary>The run's full configuration as JSON.</summary>
    public string ConfigJson { get; set; } = "{}";
    /// <summary>The run's seed.</summary>
    public long Seed { get; set; }
    /// <summary>The run that wrote it (<see cref="RunIdentity.RunId"/>); "" in checkpoints written before run ids existed.</summary>
    public string RunId { get; set; } = "";
    /// <summary>Hash of the maths-relevant configuration keys (<see cref="ConfigDiff.Hash"/>); "" when unknown.</summary>
    public string ConfigHash { get; set; } = "";
}
