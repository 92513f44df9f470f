using Nnclr.Model;
using Nnclr.Pipeline.Ports;
using TorchSharp;

namespace Nnclr.Pipeline.Finetune;

/// <summary>
/// <see cref="ITrainStep"/> over <see cref="FinetuneTrainer"/>: the train stage's step on view 1 of each batch; the
/// step's "hits" are the batch's correct top-1 predictions (metrics' nn_acc is the training top-1 of a fine-tune).
/// Snapshots reuse the arrays of those already written, as <see cref="Adapters.TrainerStep"/>'s do.
/// </summary>
public sealed class FinetuneStep(FinetuneTrainer trainer) : ITrainStep
{
    // Host arrays of snapshots already written, reused by the next one.
    private readonly System.Collections.Concurrent.ConcurrentQueue<TrainerState> _free = new();

    public double LearningRate => trainer.CurrentLr;

    public StepTensors Step(torch.Tensor views, torch.Tensor labels)
    {
        var output = trainer.Step(views, labels);
        return new StepTensors(output.Loss, output.NnHits);
    }

    public void EpochEnded(long epoch) => trainer.EpochEnded(epoch);

    public TrainerSnapshot Snapshot()
    {
        _free.TryDequeue(out var reuse);
        return new TrainerSnapshot(trainer.Snapshot(reuse), _free.Enqueue);
    }
}
