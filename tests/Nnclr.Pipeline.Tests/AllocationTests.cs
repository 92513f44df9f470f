using Nnclr.Data.Augment;
using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;
using Nnclr.Pipeline.Adapters;
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

    /// <summary>The folder of real ImageNet photos beside the repository, found by walking up from the test assembly.</summary>
    private static string ImagenetSample()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared", "data", "imagenet-sample-500");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("shared/data/imagenet-sample-500 not found above the test assembly");
    }

    [Fact]
    public async Task RunAsync_JpegDatasetSteadyState_ReadAllocatesNothingAndDecodeAllocatesNothingOfPixelSize()
    {
        var dir = Path.Combine(Path.GetTempPath(), "nnclr-alloc-jpeg-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            FolderIngest.Run(ImagenetSample(), dir, new FolderIngestOptions { Format = ShardCodec.Jpeg, Unlabelled = true });
            using var ds = ShardDataset.Open(dir, "train");
            const int batch = 16, view = 64;
            var h = new PipelineHarness(totalSteps: 90);
            h.Trainer.Quiet = true;
            using var source = new EpochReaderSource(ds, 7, new DataCursor(0, 0), batch);
            var augmenter = new JpegTwoViewAugmenterPort(new JpegTwoViewAugmenter(TwoViewPolicy.Byol, ds.Height, view, [0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f]), 7);
            h.Settings = h.Settings with
            {
                Geometry = new BatchGeometry(batch, ds.Height, ds.Width, view) { EncodedRecordBytes = ds.MaxRecordBytes },
                LogEvery = 1000, CheckpointEvery = 1000, AugmentThreads = 2,
            };
            using var pipeline = new TrainingPipeline(h.Settings, source, augmenter, h.Trainer, h.Sink, h.Observer);
            var result = await pipeline.RunAsync().WaitAsync(TimeSpan.FromMinutes(5));
            Assert.Equal(90, result.Steps);
            output.WriteLine(result.Report.ToTable());
            var perStage = string.Join(", ", result.Report.Stages.Select(s => $"{s.Name} {s.AllocatedBytesPerItem}"));
            // Reading copies JPEG bytes into the slot's preallocated per-sample slices (block buffers are allocated with
            // the reader): below one 24-byte object per batch.
            Assert.True(result.Report.Stages.Single(s => s.Name == "read").AllocatedBytesPerItem < 24, perStage);
            // Decoding goes into each worker's preallocated scratch; SkiaSharp allocates only its small handle objects
            // (SKData, SKCodec: well under 1 KiB per image), never pixels: one decoded photo alone is ≥ 500 KB.
            Assert.True(result.Report.Stages.Single(s => s.Name == "augment").AllocatedBytesPerItem < batch * 1024, perStage);
        }
        finally { try { Directory.Delete(dir, recursive: true); } catch (IOException) { } }
    }
}
