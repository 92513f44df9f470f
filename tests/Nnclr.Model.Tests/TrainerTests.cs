using Xunit.Abstractions;

namespace Nnclr.Model.Tests;

public sealed class TrainerTests
{
    private readonly ITestOutputHelper _log;

    public TrainerTests(ITestOutputHelper log)
    {
        TorchSetup.Ensure();
        _log = log;
    }

    private const int N = 16;

    [Fact]
    public void Step_TwoTrainersSameSeed_BitIdenticalState()
    {
        using var a = TrainerData.Trainer(N, topK: 2);
        using var b = TrainerData.Trainer(N, topK: 2);
        var la = TrainerData.Run(a, 0, 4);
        var lb = TrainerData.Run(b, 0, 4);
        Assert.Equal(la, lb);
        Assert.Empty(TrainerData.Differences(a.Snapshot(), b.Snapshot()));
    }

    [Theory]
    [InlineData("lars")]
    [InlineData("sgd")]
    [InlineData("adamw")]
    public void Restore_FromCheckpointFile_ContinuesBitIdenticalToUninterruptedRun(string optimizer)
    {
        using var uninterrupted = TrainerData.Trainer(N, optimizer: optimizer, topK: 2);
        TrainerData.Run(uninterrupted, 0, 6);

        var path = Path.Combine(Path.GetTempPath(), $"nnclr-resume-{Guid.NewGuid():N}.nnclr");
        try
        {
            using (var first = TrainerData.Trainer(N, optimizer: optimizer, topK: 2))
            {
                TrainerData.Run(first, 0, 3);
                CheckpointFile.Write(path, first.Snapshot(), new CheckpointMeta { Step = first.StepCount });
            }
            // A different seed: everything it initialised differently must be overwritten by Restore.
            using var resumed = TrainerData.Trainer(N, optimizer: optimizer, topK: 2, seed: 99);
            var (state, meta) = CheckpointFile.Read(path);
            resumed.Restore(state);
            Assert.Equal(3, resumed.StepCount);
            Assert.Equal(3, meta.Step);
            TrainerData.Run(resumed, 3, 6);
            Assert.Empty(TrainerData.Differences(uninterrupted.Snapshot(), resumed.Snapshot()));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Restore_EpochsEnded_EpochCountComesBackFromTheCheckpoint()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nnclr-epochs-{Guid.NewGuid():N}.nnclr");
        try
        {
            using (var first = TrainerData.Trainer(N, topK: 2))
            {
                TrainerData.Run(first, 0, 2);
                first.EpochEnded(0);
                first.EpochEnded(1);
                Assert.Equal(2, first.EpochsDone);
                var state = first.Snapshot();
                Assert.Equal(2, state.Epochs);
                // A reused snapshot is refilled with the current count.
                first.EpochEnded(2);
                Assert.Equal(3, first.Snapshot(state).Epochs);
                CheckpointFile.Write(path, state, new CheckpointMeta { Step = first.StepCount });
            }
            using var resumed = TrainerData.Trainer(N, topK: 2, seed: 99);
            Assert.Equal(0, resumed.EpochsDone);
            resumed.Restore(CheckpointFile.Read(path).State);
            Assert.Equal(3, resumed.EpochsDone);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Restore_OtherOptimiser_ThrowsNamingTensor()
    {
        using var lars = TrainerData.Trainer(N, optimizer: "lars");
        using var adam = TrainerData.Trainer(N, optimizer: "adamw");
        var e = Assert.Throws<ArgumentException>(() => adam.Restore(lars.Snapshot()));
        Assert.Contains("optim.", e.Message);
    }

    [Fact]
    public void Bf16_FiftySteps_LossTrajectoryCloseToFp32()
    {
        // Same data, same seed; bf16 compute with fp32 masters vs plain fp32. Single steps are noisy (a rounding
        // difference can change which support-set row is nearest), so the tolerance is on the trajectory: each
        // 10-step window's mean loss within 0.15 of fp32's, and the 50-step means within 0.05 (losses fall from ~2.9 to ~1).
        using var fp32 = TrainerData.Trainer(N, precision: "fp32");
        using var bf16 = TrainerData.Trainer(N, precision: "bf16");
        var a = TrainerData.Run(fp32, 0, 50);
        var b = TrainerData.Run(bf16, 0, 50);
        var windowGaps = Enumerable.Range(0, 5).Select(w => Math.Abs(a.Skip(10 * w).Take(10).Average() - b.Skip(10 * w).Take(10).Average())).ToList();
        string detail = $"window gaps {string.Join(" ", windowGaps.Select(g => g.ToString("F3")))}; fp32 {string.Join(" ", a.Select(x => x.ToString("F3")))}; bf16 {string.Join(" ", b.Select(x => x.ToString("F3")))}";
        _log.WriteLine(detail);
        Assert.True(windowGaps.Max() < 0.15, detail);
        Assert.True(Math.Abs(a.Average() - b.Average()) < 0.05, detail);
        Assert.True(a.Take(10).Average() - a.Skip(40).Average() > 0.5, "fp32 loss did not fall: " + detail);
        Assert.True(b.Take(10).Average() - b.Skip(40).Average() > 0.5, "bf16 loss did not fall: " + detail);
        Assert.All(bf16.Network.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype)); // masters stay fp32
    }

    [Fact]
    public void Bf16_Features_WithinBf16PrecisionOfFp32()
    {
        using var fp32 = TrainerData.Trainer(N, precision: "fp32");
        using var bf16 = TrainerData.Trainer(N, precision: "bf16");
        using var scope = torch.NewDisposeScope();
        var (views, _) = TrainerData.Batch(3, N);
        var f32 = fp32.Features(views);
        var f16 = bf16.Features(views);
        Assert.Equal(ScalarType.Float32, f16.dtype);
        double rel = (f16 - f32).norm().item<float>() / f32.norm().item<float>();
        _log.WriteLine($"bf16 vs fp32 features: relative error {rel:E3}");
        Assert.True(rel < 0.02, $"relative error {rel}"); // bf16 keeps 8 bits of mantissa: ~0.4% per op
        Assert.True(rel > 0, "bf16 path produced fp32-identical features: no bf16 compute happened");
    }

    [Fact]
    public void ChannelsLast_ThreeSteps_MatchesContiguous()
    {
        using var plain = TrainerData.Trainer(N);
        using var nhwc = TrainerData.Trainer(N, channelsLast: true);
        var conv = nhwc.Network.modules().OfType<ConvLayer>().Last().Weight;
        Assert.Equal(1, conv.stride(1)); // NHWC strides: channels innermost
        var a = TrainerData.Run(plain, 0, 3);
        var b = TrainerData.Run(nhwc, 0, 3);
        Assert.All(a.Zip(b), p => Assert.True(Math.Abs(p.First - p.Second) < 1e-3, $"{p.First} vs {p.Second}"));
        Assert.Equal(1, conv.stride(1)); // still NHWC after optimiser steps
    }

    [Fact]
    public void Step_Outputs_AreDeviceScalarsAndSupportSetAdvances()
    {
        using var t = TrainerData.Trainer(N);
        using var scope = torch.NewDisposeScope();
        var initial = t.SupportSet.Queue.clone();
        var (views, labels) = TrainerData.Batch(0, N);
        using var o = t.Step(views, labels);
        Assert.Equal(0, o.Loss.dim());
        Assert.Equal(ScalarType.Float32, o.Loss.dtype);
        Assert.False(o.Loss.requires_grad);
        Assert.True(float.IsFinite(o.Loss.item<float>()));
        Assert.Equal(ScalarType.Int64, o.NnHits.dtype);
        Assert.Equal(0L, o.NnHits.item<long>()); // support set held only unlabelled random rows
        Assert.Equal(1, t.StepCount);
        Assert.Equal(0.4 * N / 256 * 1 / 2, t.CurrentLr, 12); // warm-up step 1 of 2
        Assert.Equal(N, t.SupportSet.Pointer);
        Assert.False(t.SupportSet.Queue.requires_grad);
        Assert.Null(t.SupportSet.Queue.grad);
        // Rows 0..N−1 now hold view 1's embeddings (unit, labelled); the rest is untouched.
        Assert.True(t.SupportSet.Queue.narrow(0, 0, N).norm(1).sub(1).abs().max().item<float>() < 1e-5);
        Assert.Equal(labels.data<long>().ToArray(), t.SupportSet.Labels.narrow(0, 0, N).data<long>().ToArray());
        Assert.True(Bits.Equal(initial.narrow(0, N, 64 - N), t.SupportSet.Queue.narrow(0, N, 64 - N)));
        Assert.False(Bits.Equal(initial.narrow(0, 0, N), t.SupportSet.Queue.narrow(0, 0, N)));
    }

    [Fact]
    public void Step_SameImagesAgain_FindsSameLabelNeighbours()
    {
        using var t = TrainerData.Trainer(N);
        TrainerData.Run(t, 0, 1);
        using var scope = torch.NewDisposeScope();
        var (views, labels) = TrainerData.Batch(0, N); // the batch just enqueued: most NNs are the images themselves
        using var o = t.Step(views, labels);
        Assert.True(o.NnHits.item<long>() >= N / 2, $"hits {o.NnHits.item<long>()}");
    }

    [Fact]
    public void Constructor_SupportSetNotMultipleOfBatch_ThrowsNamingSetting()
    {
        var o = TrainerData.Options();
        o.SupportSetSize = 100;
        var e = Assert.Throws<ArgumentException>(() => new NnclrTrainer(TrainerData.TinyModel(), o, TrainerData.Optim(N), 1, 0, torch.CPU));
        Assert.Contains("Nnclr:SupportSetSize (100) must be a multiple of Optim:BatchSize", e.Message);
    }

    [Fact]
    public void Step_WrongViewCount_ThrowsWithShapes()
    {
        using var t = TrainerData.Trainer(N);
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => t.Step(torch.zeros(N, 3, 16, 16), torch.zeros(N, dtype: ScalarType.Int64)));
        Assert.Contains($"[{2 * N}, 3, S, S]", e.Message);
    }

    [Fact]
    public void Features_EvalModeNoGrad_DoesNotTouchRunningStats()
    {
        using var t = TrainerData.Trainer(N);
        TrainerData.Run(t, 0, 2);
        var before = t.Snapshot();
        using var scope = torch.NewDisposeScope();
        var (views, _) = TrainerData.Batch(5, N);
        var f1 = t.Features(views.narrow(0, 0, 4));
        var f2 = t.Features(views.narrow(0, 0, 8)).narrow(0, 0, 4); // eval BN: rows independent of the batch
        Assert.Equal(new long[] { 4, 256 }, f1.shape);
        Assert.False(f1.requires_grad);
        Assert.True(f1.sub(f2).abs().max().item<float>() < 1e-5);
        Assert.Empty(TrainerData.Differences(before, t.Snapshot()));
        Assert.True(t.Network.training);
    }

    [Fact]
    public void Step_ManagedAllocations_DoNotGrowWithBatchSize()
    {
        // The step allocates only TorchSharp's tensor wrappers (a fixed number per step), no per-sample arrays.
        long PerStep(int n)
        {
            using var t = TrainerData.Trainer(n);
            using var scope = torch.NewDisposeScope();
            var (views, labels) = TrainerData.Batch(0, n);
            for (int i = 0; i < 3; i++) t.Step(views, labels).Dispose(); // warm-up
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 4; i++) t.Step(views, labels).Dispose();
            return (GC.GetAllocatedBytesForCurrentThread() - before) / 4;
        }
        long small = PerStep(8), large = PerStep(32);
        _log.WriteLine($"managed bytes per step: batch 8 {small}, batch 32 {large}");
        Assert.True(Math.Abs(large - small) < 4096, $"batch 8: {small} B/step, batch 32: {large} B/step");
        Assert.True(small < 256 * 1024, $"{small} B/step");
    }

    [Fact]
    public void Snapshot_ReusingAnEarlierOne_WritesIntoItsArraysAndEqualsAFreshSnapshot()
    {
        using var t = TrainerData.Trainer(N, topK: 2);
        TrainerData.Run(t, 0, 2);
        var first = t.Snapshot();
        var arrays = first.Tensors.Select(x => x.Data).ToArray();
        TrainerData.Run(t, 2, 4);

        var reused = t.Snapshot(first);

        Assert.Same(first, reused);
        Assert.Equal(arrays, reused.Tensors.Select(x => x.Data)); // the same arrays, no new host memory
        Assert.Equal(4, reused.Step);
        Assert.Empty(TrainerData.Differences(t.Snapshot(), reused));
    }

    [Fact]
    public void Features_FeatureNetworkLoadedFromState_EqualsTheTrainersFeatures()
    {
        using var t = TrainerData.Trainer(N);
        TrainerData.Run(t, 0, 2);
        using var net = new FeatureNetwork(TrainerData.TinyModel(), seed: 0, torch.CPU);
        using var copied = new FeatureNetwork(TrainerData.TinyModel(), seed: 0, torch.CPU);
        net.Load(t.Snapshot());
        copied.CopyFrom(t.Backbone);
        using var scope = torch.NewDisposeScope();
        var (views, _) = TrainerData.Batch(5, N);

        var expected = t.Features(views);
        Assert.True(expected.sub(net.Features(views)).abs().max().item<float>() == 0);
        Assert.True(expected.sub(copied.Features(views)).abs().max().item<float>() == 0);
    }
}
