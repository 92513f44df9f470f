using Nnclr.Model;
using Nnclr.Pipeline.Ports;
using ModelCheckpointMeta = Nnclr.Model.CheckpointMeta;
using PortCheckpointMeta = Nnclr.Pipeline.Ports.CheckpointMeta;

namespace Nnclr.Pipeline.Adapters;

/// <summary>
/// <see cref="ICheckpointSink"/> over Nnclr.Model's <see cref="CheckpointDirectory"/>: each write is atomic (temp file,
/// fsync, rename), keeps the last K, and records the data cursor, seed and the run's full configuration.
/// </summary>
public sealed class CheckpointDirectorySink(CheckpointDirectory directory, string configJson, long seed) : ICheckpointSink
{
    /// <summary>Path of the last file written (null before the first).</summary>
    public string? LastPath { get; private set; }

    public void Write(ITrainSnapshot snapshot, PortCheckpointMeta meta)
    {
        var s = snapshot as TrainerSnapshot
            ?? throw new ArgumentException($"expected a {nameof(TrainerSnapshot)}, got {snapshot.GetType().Name}", nameof(snapshot));
        LastPath = directory.Save(s.State, new ModelCheckpointMeta
        {
            Step = meta.Step,
            Epoch = s.Epoch,
            CursorEpoch = meta.Cursor.Epoch,
            CursorPosition = meta.Cursor.Position,
            ConfigJson = configJson,
            Seed = seed,
        });
    }
}
