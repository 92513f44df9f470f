namespace Nnclr.Model.Tests;

/// <summary>Fine-tuning's model side: Nesterov SGD against its formula, the trainer's exact snapshot/restore, the fc export.</summary>
public sealed class FinetuneTests
{
    public FinetuneTests() => TorchSetup.Ensure();

    private static readonly ModelOptions Tiny = new() { Backbone = "tiny-cnn", Precision = "fp32", ChannelsLast = false };

    [Fact]
    public void NesterovSgdTwoSteps_FixedGradients_EqualsHandFormula()
    {
        double[] w0 = [0.5, -1.0, 2.0], g1 = [0.3, 0.1, -0.4], g2 = [-0.1, 0.2, 0.3];
        const double m = 0.9, lr = 0.1;
        using var scope = torch.NewDisposeScope();
        var w = new Parameter(torch.tensor(w0.Select(x => (float)x).ToArray(), [3]));
        var sgd = new Sgd([("w", w)], m, weightDecay: 0, nesterov: true);
        var buf = new double[3];
        var expected = w0.ToArray();
        foreach (var g in new[] { g1, g2 })
        {
            w.grad = torch.tensor(g.Select(x => (float)x).ToArray(), [3]);
            sgd.Step(lr);
            for (int i = 0; i < 3; i++)
            {
                buf[i] = m * buf[i] + g[i];
                expected[i] -= lr * (g[i] + m * buf[i]); // PyTorch's nesterov: d + m·buf
            }
        }
        var got = w.data<float>().ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], got[i], 5);
    }

    private static (Tensor Views, Tensor Labels) Batch(int seed)
    {
        var g = new Generator((ulong)seed);
        return (torch.randn([8, 3, 32, 32], generator: g), torch.randint(0, 10, [8], generator: g));
    }

    [Fact]
    public void SnapshotThenTwoSteps_RestoredAndRepeated_BitIdentical()
    {
        using var scope = torch.NewDisposeScope();
        var recipe = new FinetuneRecipe(8, 0.5, 4);
        using var trainer = new FinetuneTrainer(Tiny, 10, recipe, 2, seed: 5, CPU);
        var (x0, y0) = Batch(1);
        trainer.Step(x0, y0);
        var saved = trainer.Snapshot();
        var (x1, y1) = Batch(2);
        var (x2, y2) = Batch(3);
        var loss1 = trainer.Step(x1, y1).Loss.item<float>();
        trainer.Step(x2, y2);
        var first = trainer.Snapshot();

        using var other = new FinetuneTrainer(Tiny, 10, recipe, 2, seed: 99, CPU);
        other.Restore(saved);
        Assert.Equal(1, other.StepCount);
        Assert.Equal(loss1, other.Step(x1, y1).Loss.item<float>());
        other.Step(x2, y2);
        var second = other.Snapshot();
        Assert.Equal(first.Tensors.Count, second.Tensors.Count);
        foreach (var t in first.Tensors) Assert.True(t.ContentEquals(second[t.Name]), $"{t.Name} differs after restore + the same steps");
        // The head moved (it is trained, not frozen).
        Assert.False(saved["model.fc.weight"].ContentEquals(first["model.fc.weight"]));
    }

    [Fact]
    public void Restore_PreTrainingState_RefusedNamingTheTensor()
    {
        using var nnclr = new NnclrTrainer(Tiny, new NnclrOptions { SupportSetSize = 64 }, new OptimOptions { BatchSize = 8, WarmupEpochs = 0, Epochs = 1 }, 1, 0, CPU);
        using var trainer = new FinetuneTrainer(Tiny, 10, new FinetuneRecipe(8, 0.05, 1), 1, 0, CPU);
        var e = Assert.Throws<ArgumentException>(() => trainer.Restore(nnclr.Snapshot()));
        Assert.Contains("model.", e.Message);
        // Its backbone, though, loads.
        trainer.LoadBackbone(nnclr.Snapshot());
        var a = StateDictOrder.Entries(nnclr.Backbone);
        var b = StateDictOrder.Entries(trainer.Network.Backbone);
        for (int i = 0; i < a.Count; i++) Assert.True(Bits.Equal(a[i].Tensor, b[i].Tensor), a[i].Key);
    }

    [Fact]
    public void Export_TrainerState_TorchvisionNamesWithFc()
    {
        using var trainer = new FinetuneTrainer(Tiny, 7, new FinetuneRecipe(8, 0.05, 1), 1, 0, CPU);
        var path = Path.Combine(Path.GetTempPath(), $"ft-{Guid.NewGuid():N}.safetensors");
        try
        {
            FinetuneTrainer.Export(trainer.Snapshot(), path);
            var weights = WeightsFile.Read(path);
            Assert.True(weights.TryGet("fc.weight", out var fc));
            Assert.Equal(new long[] { 7, 256 }, fc.Shape); // tiny-cnn: 256 features
            Assert.True(weights.TryGet("fc.bias", out _));
            Assert.DoesNotContain(weights.Names, n => n.StartsWith("backbone.", StringComparison.Ordinal) || n.StartsWith("optim.", StringComparison.Ordinal) || n.StartsWith("trainer.", StringComparison.Ordinal));
            var backboneKeys = StateDictOrder.Entries(trainer.Network.Backbone).Select(e => e.Key).ToHashSet();
            Assert.Equal(backboneKeys.Count + 2, weights.Names.Count());
            Assert.All(backboneKeys, k => Assert.Contains(k, weights.Names));
        }
        finally { File.Delete(path); }
    }
}
