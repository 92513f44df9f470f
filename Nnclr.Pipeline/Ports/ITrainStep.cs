using TorchSharp;

namespace Nnclr.Pipeline.Ports;

/// <summary>
/// The model port (adapter over Nnclr.Model's NnclrTrainer). Called from the train stage's thread only:
/// it is the one thread that touches the model.
/// </summary>
public interface ITrainStep
{
    /// <summary>
    /// One optimiser step on a device batch: <paramref name="views"/> [2N,3,S,S] (view 1 rows first),
    /// <paramref name="labels"/> [N] int64. Returns 0-dim device tensors owned by the caller's dispose
    /// scope; it must not synchronise with the device (the caller reads them every LogEvery steps).
    /// The support-set update belongs inside this call, not in a stage of its own: the next step's
    /// nearest-neighbour lookup must see this step's enqueue, and GPU kernels are asynchronous anyway,
    /// so a separate thread would only add a hand-off without adding overlap.
    /// </summary>
    StepTensors Step(torch.Tensor views, torch.Tensor labels);

    /// <summary>The learning rate the last step used (a host value from the schedule; no device sync).</summary>
    double LearningRate { get; }

    /// <summary>
    /// Called on the train thread after the last step of <paramref name="epoch"/>: the trainer counts the epoch in its
    /// state (so checkpoints carry it), then e.g. periodic kNN eval starts.
    /// </summary>
    void EpochEnded(long epoch);

    /// <summary>A consistent host copy of everything a checkpoint needs, taken at a step boundary.</summary>
    TrainerSnapshot Snapshot();
}
