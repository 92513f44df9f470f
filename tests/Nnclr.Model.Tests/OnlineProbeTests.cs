namespace Nnclr.Model.Tests;

/// <summary>solo-learn's online linear classifier beside NNCLR: it learns, and it never changes the self-supervised maths.</summary>
public sealed class OnlineProbeTests
{
    public OnlineProbeTests() => TorchSetup.Ensure();

    private const int N = 16, Steps = 6;

    private static OnlineLinearProbe Probe() => new(256, 10, totalSteps: 60, seed: 0, torch.CPU);

    [Fact]
    public void SixDeterministicSteps_WithAndWithoutProbe_BackboneHeadsOptimiserAndSupportSetBitIdentical()
    {
        using var plain = TrainerData.Trainer(N);
        using var probed = TrainerData.Trainer(N);
        probed.AttachProbe(Probe());
        var lossPlain = TrainerData.Run(plain, 0, Steps, N);
        var lossProbed = TrainerData.Run(probed, 0, Steps, N);
        Assert.Equal(lossPlain, lossProbed);
        var a = plain.Snapshot();
        var b = probed.Snapshot();
        foreach (var t in a.Tensors) Assert.True(t.ContentEquals(b[t.Name]), $"{t.Name} differs with the online probe attached");
        // The probe's own state is the only addition, and it was trained.
        Assert.All(b.Tensors.Where(t => !a.TryGet(t.Name, out _)), t => Assert.StartsWith("probe.", t.Name));
        Assert.Equal(Steps, b["probe.step"].AsInt64());
    }

    [Fact]
    public void StepOutput_WithProbe_CountsCorrectPredictionsWithinTheBatch()
    {
        using var trainer = TrainerData.Trainer(N);
        trainer.AttachProbe(Probe());
        using var scope = torch.NewDisposeScope();
        var (views, labels) = TrainerData.Batch(0, N);
        using var output = trainer.Step(views, labels);
        Assert.NotNull(output.OnlineHits);
        long hits = output.OnlineHits!.item<long>();
        Assert.InRange(hits, 0, N);
    }

    [Fact]
    public void SnapshotWithProbe_RestoredIntoAFreshProbedTrainer_SameNextSteps()
    {
        using var first = TrainerData.Trainer(N);
        first.AttachProbe(Probe());
        TrainerData.Run(first, 0, 3, N);
        var saved = first.Snapshot();
        TrainerData.Run(first, 3, 5, N);
        var end = first.Snapshot();

        using var second = TrainerData.Trainer(N, seed: 7);
        second.AttachProbe(new OnlineLinearProbe(256, 10, 60, 7, torch.CPU));
        second.Restore(saved);
        TrainerData.Run(second, 3, 5, N);
        var end2 = second.Snapshot();
        foreach (var t in end.Tensors) Assert.True(t.ContentEquals(end2[t.Name]), $"{t.Name} differs after restore");

        // A checkpoint without the probe is refused by a probed trainer, naming what is missing.
        using var plain = TrainerData.Trainer(N);
        using var probed = TrainerData.Trainer(N);
        probed.AttachProbe(Probe());
        var e = Assert.Throws<ArgumentException>(() => probed.Restore(plain.Snapshot()));
        Assert.Contains("probe.", e.Message);
    }
}
