using Nnclr.Model;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Adapters;

/// <summary>A host copy of the trainer (no TorchSharp objects), handed from the train thread to the checkpoint thread.</summary>
public sealed class TrainerSnapshot(TrainerState state, long epoch) : ITrainSnapshot
{
    public TrainerState State { get; } = state;

    /// <summary>Epochs completed when the snapshot was taken.</summary>
    public long Epoch { get; } = epoch;
}
