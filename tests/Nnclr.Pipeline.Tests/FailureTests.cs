using Nnclr.Pipeline.Tests.Fakes;

namespace Nnclr.Pipeline.Tests;

public sealed class FailureTests
{
    [Fact]
    public async Task RunAsync_SourceThrows_FailsOnceNamingReadStageAndKeepsProgress()
    {
        var h = new PipelineHarness(totalSteps: 100);
        h.Source.ThrowAt = 13;
        var e = await Assert.ThrowsAsync<PipelineException>(() => h.RunAsync());

        Assert.Equal("read", e.Stage);
        Assert.Equal("pipeline stage 'read' failed: shard 'fake-000.shard': record 8 is corrupt", e.Message);
        Assert.IsType<InvalidDataException>(e.InnerException);
        // The batches read before the failure were trained and saved: the state was consistent.
        Assert.Equal(h.Trainer.Steps, h.Sink.Written.Last().Meta.Step);
        Assert.True(h.Trainer.Steps <= 13);
    }

    [Fact]
    public async Task RunAsync_AugmentHelperThrows_FailsNamingAugmentStage()
    {
        var h = new PipelineHarness(totalSteps: 100);
        h.Augmenter.ThrowOnKey = 50;
        var e = await Assert.ThrowsAsync<PipelineException>(() => h.RunAsync());

        Assert.Equal("augment", e.Stage);
        Assert.Contains("sample 50: cannot decode", e.Message);
    }

    [Fact]
    public async Task RunAsync_TrainStepThrows_FailsNamingTrainStageWithoutAFinalCheckpoint()
    {
        var h = new PipelineHarness(totalSteps: 100);
        h.Trainer.ThrowAt = 14;
        var e = await Assert.ThrowsAsync<PipelineException>(() => h.RunAsync());

        Assert.Equal("train", e.Stage);
        Assert.Contains("out of memory at step 14", e.Message);
        // Only the periodic checkpoint at 10: a step that threw may have left the model half-updated.
        Assert.Equal([10L], h.Sink.Written.Select(w => w.Meta.Step));
    }

    [Fact]
    public async Task RunAsync_LossBecomesNaN_StopsWithNonFiniteLossAndNeverSavesTheDivergedState()
    {
        var h = new PipelineHarness(totalSteps: 100);
        h.Trainer.NanFrom = 12;
        var e = await Assert.ThrowsAsync<PipelineException>(() => h.RunAsync());

        var nan = Assert.IsType<NonFiniteLossException>(e.InnerException);
        Assert.Equal(11, nan.FirstStep);
        Assert.Equal(15, nan.LastStep);
        Assert.Contains("loss is NaN over steps 11–15", e.Message);
        Assert.Equal([10L], h.Sink.Written.Select(w => w.Meta.Step));
    }

    [Fact]
    public async Task RunAsync_CheckpointWriteFails_FailsNamingCheckpointStageWithoutHanging()
    {
        var h = new PipelineHarness(totalSteps: 100);
        h.Sink.ThrowAt = 1; // the write at step 20: disk full
        var e = await Assert.ThrowsAsync<PipelineException>(() => h.RunAsync());

        Assert.Equal("checkpoint", e.Stage);
        Assert.Contains("step-20.ckpt': No space left on device", e.Message);
        Assert.Equal([10L], h.Sink.Written.Select(w => w.Meta.Step));
    }

    [Fact]
    public async Task RunAsync_SlowCheckpointWrites_TrainingGoesOnMeanwhile()
    {
        // The first write (step 10) cannot finish until training has reached step 25: if the train thread waited
        // for writes, this would never happen and the run would hang (the harness's guard fails the test).
        var h = new PipelineHarness(totalSteps: 40);
        using var writing = new ManualResetEventSlim();
        h.Sink.Gate = writing;
        int writtenAtStep25 = -1;
        h.Trainer.AfterStep = steps =>
        {
            if (steps != 25) return;
            writtenAtStep25 = h.Sink.Written.Count;
            writing.Set();
        };
        var result = await h.RunAsync();

        Assert.Equal(40, result.Steps);
        Assert.Equal(0, writtenAtStep25); // steps 11–25 trained while the step-10 checkpoint was still being written
        Assert.Equal([10L, 20L, 30L, 40L], h.Sink.Written.Select(w => w.Meta.Step));
    }
}
