using Nnclr.Model;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Adapters;

/// <summary>
/// A host copy of the trainer (no TorchSharp objects), handed from the train thread to the checkpoint thread.
/// Disposing it (the checkpoint stage does, once written) hands its arrays back for the next snapshot.
/// </summary>
public sealed class TrainerSnapshot(TrainerState state, long epoch, Action<TrainerState>? release = null) : ITrainSnapshot, IDisposable
{
    // Called once with State when the snapshot is no longer read; null for a snapshot nobody reuses.
    private Action<TrainerState>? _release = release;

    public TrainerState State { get; } = state;

    /// <summary>Epochs completed when the snapshot was taken.</summary>
    public long Epoch { get; } = epoch;

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke(State);
}
