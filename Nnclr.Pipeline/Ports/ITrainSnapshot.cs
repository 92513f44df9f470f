namespace Nnclr.Pipeline.Ports;

/// <summary>
/// A host copy of the trainer state (weights, optimiser, support set, RNG), taken on the train thread and
/// handed to the checkpoint thread. If it is also <see cref="IDisposable"/>, the checkpoint stage disposes
/// it once written.
/// </summary>
public interface ITrainSnapshot;
