using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Tests;

[Collection(SerialCollection.Name)]
public sealed class AllocationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task RunAsync_SteadyState_DataStagesAllocateNothingPerBatch()
    {
        var h = new PipelineHarness(totalSteps: 600);
        h.Trainer.Quiet = true;
        h.Settings = h.Settings with { Geometry = new BatchGeometry(64, 32, 32, 32), LogEvery = 1000, CheckpointEvery = 1000, AugmentThreads = 2 };
        // Whole process, after warm-up: measured on the train thread after the 100th and the 500th step, so the
        // test itself does nothing (no polling) in between, however slowly a loaded machine runs the batches.
        long before = 0, after = 0;
        h.Trainer.AfterStep = steps =>
        {
            if (steps == 100) before = GC.GetTotalAllocatedBytes(precise: true);
            else if (steps == 500) after = GC.GetTotalAllocatedBytes(precise: true);
        };
        const long items = 400;
        using var pipeline = h.Build();
        var result = await pipeline.RunAsync().WaitAsync(PipelineHarness.HangGuard);

        var perStage = string.Join(", ", result.Report.Stages.Select(s => $"{s.Name} {s.AllocatedBytesPerItem}"));
        // Any per-batch allocation would cost at least 24 bytes per batch. Below 1 byte per batch over 600
        // batches is 0, or a one-off (e.g. the thread pool work item a channel allocates when a wait races
        // with the completion it waits for).
        foreach (var name in new[] { "read", "augment", "upload" })
            Assert.True(result.Report.Stages.Single(s => s.Name == name).AllocatedBytesPerItem < 1, perStage);
        // The train thread allocates only TorchSharp's per-step dispose scope and tensor wrappers; the rest of
        // the process (this test's polling included) a little more. Far below one batch of data (196 KiB).
        double perBatch = (after - before) / (double)items;
        output.WriteLine($"{result.Steps} steps of 64 images in {result.ElapsedSeconds:F2} s = {result.Steps * 64 / result.ElapsedSeconds:F0} img/s through fake ports; process allocation {perBatch:F0} B/batch");
        output.WriteLine(result.Report.ToTable());
        Assert.True(perBatch < 1024, $"{perBatch:F0} bytes per batch over {items} batches");
    }
}
