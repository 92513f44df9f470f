using Nnclr.Data.Shards;
using Nnclr.Model;
using Nnclr.Pipeline.Ports;
using Nnclr.Pipeline.Tests.Fakes;

namespace Nnclr.Pipeline.Tests;

public sealed class TrainingPipelineTests
{
    [Fact]
    public async Task RunAsync_FakePorts_TrainsEveryBatchInOrderWithItsViews()
    {
        var h = new PipelineHarness(totalSteps: 30);
        var result = await h.RunAsync();

        Assert.Equal(30, result.Steps);
        Assert.False(result.Stopped);
        Assert.Equal(30, h.Trainer.Seen.Count);
        // Replay the source by itself: step s must have trained exactly batch s, with its own views and labels.
        var replay = new FakeSource(PipelineHarness.Records);
        var images = new byte[PipelineHarness.Batch * 48];
        var labels = new int[PipelineHarness.Batch];
        var keys = new long[PipelineHarness.Batch];
        for (int s = 0; s < 30; s++)
        {
            long epoch = replay.ReadBatch(PipelineHarness.Batch, images, labels, keys);
            Assert.Equal(keys.Select(k => FakeAugmenter.Expected(k, epoch)), h.Trainer.Seen[s]);
            Assert.Equal(labels.Select(l => (long)l), h.Trainer.Labels[s]);
        }
        Assert.Equal(replay.Cursor, result.Cursor);
        // 101 records, batch 8: 12 batches per epoch (tail dropped); epochs 0 and 1 ended within 30 steps.
        Assert.Equal([0L, 1L], h.Trainer.EndedEpochs);
    }

    [Fact]
    public async Task RunAsync_CheckpointEvery10_WritesPeriodicAndFinalWithCursorAfterBatch()
    {
        var h = new PipelineHarness(totalSteps: 25);
        var result = await h.RunAsync();

        var written = h.Sink.Written.ToArray();
        Assert.Equal([10L, 20L, 25L], written.Select(w => w.Meta.Step));
        Assert.Equal([false, false, true], written.Select(w => w.Meta.Final));
        Assert.Equal(h.Trainer.Weights, written[^1].Weights);
        Assert.Equal(result.Cursor, written[^1].Meta.Cursor);
        Assert.Equal(written[^1].Meta, result.LastCheckpoint);
        // Step 10's cursor: 10 batches of 8 from 101 records = epoch 0, position 80.
        Assert.Equal(new DataCursor(0, 80), written[0].Meta.Cursor);
        Assert.Equal(3, ((RecordingObserver)h.Observer).Checkpoints.Count);
    }

    [Fact]
    public async Task RunAsync_LogEvery5_ReportsMeanLossAndNnAccuracyPerInterval()
    {
        var h = new PipelineHarness(totalSteps: 12);
        await h.RunAsync();

        var intervals = ((RecordingObserver)h.Observer).Intervals.ToArray();
        // Flushed at 5 and 10 (log), at 10 again for the checkpoint (no new steps: skipped) and 12 (final).
        Assert.Equal([5L, 10L, 12L], intervals.Select(i => i.Step));
        // Loss = mean |view| = mean over the interval's steps of mean(pixel + epoch/8); recompute from what was seen.
        double expected = h.Trainer.Seen.Take(5).Average(s => s.Average(v => (double)v));
        Assert.Equal(expected, intervals[0].Loss, 4);
        double hits = h.Trainer.Labels.Take(5).Sum(l => l.Count(x => x == 3));
        Assert.Equal(hits / (5.0 * PipelineHarness.Batch), intervals[0].NnAccuracy, 6);
        Assert.Equal(0.1 + 5, intervals[0].LearningRate);
        Assert.True(intervals[0].ImagesPerSecond > 0);
        Assert.Equal(5, intervals[0].Stages.Stages.Count);
    }

    [Fact]
    public async Task RunAsync_StopThenResume_TrainsTheSameBatchesAsAnUninterruptedRun()
    {
        var whole = new PipelineHarness(totalSteps: 40);
        await whole.RunAsync();

        var first = new PipelineHarness(totalSteps: 40);
        first.Trainer.Delay = TimeSpan.FromMilliseconds(5);
        using var stop = new CancellationTokenSource();
        first.Observer = new StopAfter(17, stop);
        var stopped = await first.RunAsync(stop.Token);
        Assert.True(stopped.Stopped);
        var last = first.Sink.Written.Last();
        Assert.Equal(stopped.Steps, last.Meta.Step);
        Assert.InRange(last.Meta.Step, 17, 39);

        var second = new PipelineHarness(totalSteps: 40, startStep: last.Meta.Step, start: last.Meta.Cursor, weights: last.Weights);
        var resumed = await second.RunAsync();

        Assert.Equal(40, resumed.Steps);
        Assert.Equal(whole.Trainer.Weights, second.Trainer.Weights);
        Assert.Equal(whole.Trainer.Seen.Skip((int)last.Meta.Step).SelectMany(s => s), second.Trainer.Seen.SelectMany(s => s));
    }

    [Fact]
    public async Task RunAsync_StopWhileSourceIsSlow_EndsPromptlyWithAFinalCheckpoint()
    {
        // The source delivers exactly 5 batches, each taking at least 30 ms, then blocks (a stalled disk): read is
        // busy all the time while the other stages only wait for it, however loaded the machine is.
        var h = new PipelineHarness(totalSteps: 1_000_000);
        h.Source.Delay = TimeSpan.FromMilliseconds(30);
        using var disk = new SemaphoreSlim(5);
        h.Source.Gate = disk;
        using var stop = new CancellationTokenSource();
        var fiveTrained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Trainer.AfterStep = steps => { if (steps == 5) fiveTrained.SetResult(); };
        var run = h.RunAsync(stop.Token);
        await fiveTrained.Task.WaitAsync(PipelineHarness.HangGuard);
        stop.Cancel();
        disk.Release(1_000); // the disk answers again: the read stage can notice the stop
        var result = await run;

        Assert.True(result.Stopped);
        Assert.Equal(5, result.Steps); // nothing read after the stop was trained
        var last = h.Sink.Written.Last();
        Assert.Equal(result.Steps, last.Meta.Step);
        Assert.Equal(h.Trainer.Weights, last.Weights);
        Assert.Equal("read", result.Report.BottleneckStage);
    }

    /// <summary>Requests a stop once the given step has been logged.</summary>
    private sealed class StopAfter(long step, CancellationTokenSource stop) : IPipelineObserver
    {
        public void OnInterval(IntervalMetrics metrics)
        {
            if (metrics.Step >= step) stop.Cancel();
        }

        public void OnCheckpoint(CheckpointMeta meta) { }
    }
}
