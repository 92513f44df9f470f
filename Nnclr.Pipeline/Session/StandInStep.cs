using Nnclr.Model;
using Nnclr.Pipeline.Ports;
using TorchSharp;

namespace Nnclr.Pipeline.Session;

/// <summary>
/// A step that only reads its batch (a mean over the views): `bench pipeline --step stand-in` measures what the
/// data path (read, decode, augmentation, upload) can deliver when the model costs nothing.
/// </summary>
public sealed class StandInStep : ITrainStep
{
    public double LearningRate => 0;

    public StepTensors Step(torch.Tensor views, torch.Tensor labels) => new(views.mean(), labels.sum());

    public void EpochEnded(long epoch) { }

    // Nothing to save: an empty state.
    public TrainerSnapshot Snapshot() => new(new TrainerState([]));
}
