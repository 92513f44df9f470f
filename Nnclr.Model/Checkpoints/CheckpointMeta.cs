using Nnclr.Data.Shards;

namespace Nnclr.Model;

/// <summary>
/// Where a run stood when a checkpoint was taken, and its full configuration. Stored as JSON in the checkpoint header.
/// The one checkpoint-meta type: the pipeline's train stage fills <see cref="Step"/>, <see cref="Cursor"/> and
/// <see cref="Final"/>, the checkpoint sink adds the configuration and seed, <see cref="CheckpointDirectory"/> the run.
/// The completed epochs are training state ("trainer.epochs", <see cref="TrainerState.Epochs"/>), not meta.
/// </summary>
public sealed record CheckpointMeta
{
    /// <summary>Optimiser steps taken; a resumed run starts at this step.</summary>
    public long Step { get; set; }
    /// <summary>Where the data resumes: the cursor after step <see cref="Step"/>'s batch.</summary>
    public DataCursor Cursor { get; set; }
    /// <summary>True for the checkpoint written at the end of the run or on a stop request.</summary>
    public bool Final { get; set; }
    /// <summary>The run's full configuration as JSON.</summary>
    public string ConfigJson { get; set; } = "{}";
    /// <summary>The run's seed.</summary>
    public long Seed { get; set; }
    /// <summary>The run that wrote it (<see cref="RunIdentity.RunId"/>); "" in checkpoints written before run ids existed.</summary>
    public string RunId { get; set; } = "";
    /// <summary>Hash of the maths-relevant configuration keys (<see cref="ConfigDiff.Hash"/>); "" when unknown.</summary>
    public string ConfigHash { get; set; } = "";
    /// <summary>Seconds the sink took to write it: set only on what the pipeline's observers are told; not stored.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double WriteSeconds { get; set; }
}
