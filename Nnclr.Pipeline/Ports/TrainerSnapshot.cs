using Nnclr.Model;

namespace Nnclr.Pipeline.Ports;

/// <summary>
/// A host copy of the trainer state (no TorchSharp objects, epoch count included), taken on the train thread at a step
/// boundary and handed to the checkpoint thread. Disposing it (the checkpoint stage does, once written) hands its
/// arrays back for the next snapshot.
/// </summary>
public sealed class TrainerSnapshot(TrainerState state, Action<TrainerState>? release = null) : IDisposable
{
    // Called once with State when the snapshot is no longer read; null for a snapshot nobody reuses.
    private Action<TrainerState>? _release = release;

    public TrainerState State { get; } = state;

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke(State);
}
