using Nnclr.Model;
using Nnclr.Pipeline.Ports;
using TorchSharp;

namespace Nnclr.Pipeline.Adapters;

/// <summary>
/// <see cref="ITrainStep"/> over Nnclr.Model's <see cref="NnclrTrainer"/>. Runs on the train thread only; the
/// epoch-end hook (periodic kNN) runs there too, so the model is never touched by two threads. The epoch count
/// is the trainer's (<see cref="NnclrTrainer.EpochsDone"/>, saved in its state), not this adapter's.
/// </summary>
public sealed class TrainerStep(NnclrTrainer trainer, Action<NnclrTrainer, long>? epochEnded = null) : ITrainStep
{
    // Host state arrays of snapshots already written, reused by the next snapshot. The pipeline keeps at most
    // two snapshots alive (one being written, one queued), so this holds at most two sets: host memory for
    // checkpoints is allocated in the first checkpoints and then reused, with no GC pressure after that.
    private readonly System.Collections.Concurrent.ConcurrentQueue<TrainerState> _free = new();

    public NnclrTrainer Trainer => trainer;

    public double LearningRate => trainer.CurrentLr;

    public StepTensors Step(torch.Tensor views, torch.Tensor labels)
    {
        // StepOutput's tensors already live in the caller's dispose scope; the StepOutput wrapper itself owns
        // nothing beyond them, so it is not disposed here (that would free tensors the caller still reads).
        var output = trainer.Step(views, labels);
        return new StepTensors(output.Loss, output.NnHits, output.OnlineHits);
    }

    public void EpochEnded(long epoch)
    {
        trainer.EpochEnded(epoch);
        epochEnded?.Invoke(trainer, epoch);
    }

    public TrainerSnapshot Snapshot()
    {
        _free.TryDequeue(out var reuse);
        return new TrainerSnapshot(trainer.Snapshot(reuse), _free.Enqueue);
    }
}
