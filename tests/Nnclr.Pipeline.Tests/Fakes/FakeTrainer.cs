using Nnclr.Pipeline.Ports;
using TorchSharp;
using static TorchSharp.torch;

namespace Nnclr.Pipeline.Tests.Fakes;

/// <summary>
/// Records what each step saw (view 1's first value and label per sample, after checking view 2 is its
/// negation); loss = mean |views|, hits = labels equal to 3. "Weights" = a running hash of everything seen.
/// </summary>
public sealed class FakeTrainer : ITrainStep, IDisposable
{
    // Per step: the first value of view 1 of each sample.
    public readonly List<float[]> Seen = [];
    // Per step: labels of the batch.
    public readonly List<long[]> Labels = [];
    // Epochs reported ended, in order.
    public readonly List<long> EndedEpochs = [];
    // Hash of everything trained so far: the fake's "weights".
    public long Weights;
    // Sleep per step.
    public TimeSpan Delay = TimeSpan.Zero;
    // Steps taken by this instance.
    public int Steps;
    // Throws on this step of this instance, -1 for never.
    public int ThrowAt = -1;
    // Loss becomes NaN from this step of this instance, -1 for never.
    public int NanFrom = -1;
    // Called on the train thread after each step with the steps taken so far (must not allocate in Quiet runs).
    public Action<int>? AfterStep;
    // When true, Step records nothing and returns preallocated tensors (allocation test).
    public bool Quiet;
    // Preallocated results for Quiet mode.
    private readonly Tensor _loss = tensor(1.5f).DetachFromDisposeScope();
    private readonly Tensor _hits = tensor(2L).DetachFromDisposeScope();

    public FakeTrainer(long weights = 0) => Weights = weights;

    public double LearningRate => 0.1 + Steps;

    public StepTensors Step(Tensor views, Tensor labels)
    {
        if (Steps == ThrowAt) throw new InvalidOperationException($"CUDA error: out of memory at step {Steps}");
        if (Delay > TimeSpan.Zero) Thread.Sleep(Delay);
        Steps++;
        AfterStep?.Invoke(Steps);
        if (Quiet) return new StepTensors(_loss, _hits);
        long n = labels.shape[0];
        var first = views.select(1, 0).select(1, 0).select(1, 0).contiguous().data<float>().ToArray();
        var seen = first[..(int)n];
        for (int i = 0; i < n; i++)
            if (first[n + i] != -seen[i]) throw new InvalidOperationException($"view 2 of sample {i} is not the negation of view 1");
        var lab = labels.data<long>().ToArray();
        Seen.Add(seen);
        Labels.Add(lab);
        foreach (var v in seen) Weights = Weights * 31 + (long)(v * 8);
        var loss = views.abs().mean();
        if (NanFrom >= 0 && Steps > NanFrom) loss = loss * float.NaN;
        return new StepTensors(loss, (labels == 3).sum());
    }

    public void EpochEnded(long epoch) => EndedEpochs.Add(epoch);

    public TrainerSnapshot Snapshot() => FakeSnapshot.Of(Weights);

    public void Dispose()
    {
        _loss.Dispose();
        _hits.Dispose();
    }
}
