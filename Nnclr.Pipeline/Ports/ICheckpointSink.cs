using Nnclr.Model;

namespace Nnclr.Pipeline.Ports;

/// <summary>
/// The checkpoint port (adapter over Nnclr.Model's CheckpointDirectory). Called from the checkpoint stage's
/// thread only, while training goes on. A write is atomic (temp file + fsync + rename): when it throws,
/// the previous checkpoint is intact.
/// </summary>
public interface ICheckpointSink
{
    void Write(TrainerSnapshot snapshot, CheckpointMeta meta);
}
