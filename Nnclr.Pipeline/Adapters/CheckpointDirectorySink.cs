using Nnclr.Model;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Adapters;

/// <summary>
/// <see cref="ICheckpointSink"/> over Nnclr.Model's <see cref="CheckpointDirectory"/>: each write is atomic (temp file,
/// fsync, rename), keeps the last K, and records the data cursor, seed and the run's full configuration.
/// </summary>
public sealed class CheckpointDirectorySink(CheckpointDirectory directory, string configJson, long seed) : ICheckpointSink
{
    /// <summary>Path of the last file written (null before the first).</summary>
    public string? LastPath { get; private set; }

    public void Write(TrainerSnapshot snapshot, CheckpointMeta meta) =>
        LastPath = directory.Save(snapshot.State, meta with { ConfigJson = configJson, Seed = seed });
}

/// <summary>The checkpoint sink of ranks other than 0 in data-parallel training: rank 0 alone writes the run directory.</summary>
public sealed class DiscardCheckpoints : ICheckpointSink
{
    public static DiscardCheckpoints Instance { get; } = new();
    private DiscardCheckpoints() { }
    public void Write(TrainerSnapshot snapshot, CheckpointMeta meta) { }
}
