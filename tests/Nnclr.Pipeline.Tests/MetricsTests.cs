using System.Diagnostics.Metrics;
using System.Text.Json;
using Nnclr.Pipeline.Metrics;

namespace Nnclr.Pipeline.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task Report_SlowAugment_NamesAugmentAsBottleneck()
    {
        var h = new PipelineHarness(totalSteps: 40);
        h.Augmenter.DelayPerSample = TimeSpan.FromMilliseconds(2);
        h.Settings = h.Settings with { AugmentThreads = 1 };
        var result = await h.RunAsync();

        Assert.Equal("augment", result.Report.BottleneckStage);
        var read = result.Report.Stages.Single(s => s.Name == "read");
        var train = result.Report.Stages.Single(s => s.Name == "train");
        // Relations, not thresholds: the stages around the slow one wait on it rather than work.
        Assert.True(read.OutputWaitSeconds > read.BusySeconds, $"read blocked on output {read.OutputWaitSeconds:F3}s, busy {read.BusySeconds:F3}s");
        Assert.True(train.InputWaitSeconds > train.BusySeconds, $"train blocked on input {train.InputWaitSeconds:F3}s, busy {train.BusySeconds:F3}s");
    }

    [Fact]
    public async Task Report_SlowTrainStep_NamesTrainAsBottleneck()
    {
        var h = new PipelineHarness(totalSteps: 30);
        h.Trainer.Delay = TimeSpan.FromMilliseconds(15);
        var result = await h.RunAsync();

        Assert.Equal("train", result.Report.BottleneckStage);
        var augment = result.Report.Stages.Single(s => s.Name == "augment");
        Assert.True(augment.OutputWaitSeconds > augment.BusySeconds, $"augment blocked on output {augment.OutputWaitSeconds:F3}s, busy {augment.BusySeconds:F3}s");
    }

    [Fact]
    public async Task Report_AfterRun_RendersEveryStageAsTableAndJson()
    {
        var h = new PipelineHarness(totalSteps: 20);
        var result = await h.RunAsync();

        var table = result.Report.ToTable();
        foreach (var stage in new[] { "read", "augment", "upload", "train", "checkpoint" })
            Assert.Contains("\n" + stage + " ", table);
        Assert.Contains("bottleneck: " + result.Report.BottleneckStage, table);
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(result.Report.ToRecord()));
        var stages = json.RootElement.GetProperty("stages");
        Assert.Equal(5, stages.GetArrayLength());
        Assert.Equal(20, stages[3].GetProperty("items").GetInt64());
        Assert.Equal(result.Report.BottleneckStage, json.RootElement.GetProperty("bottleneck").GetString());
    }

    [Fact]
    public async Task PipelineMeter_Observed_PublishesItemsPerStage()
    {
        var items = new Dictionary<string, long>();
        var h = new PipelineHarness(totalSteps: 15);
        using var pipeline = h.Build();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PipelineMeter.MeterName && instrument.Meter.Scope == pipeline
                && instrument.Name == "nnclr.stage.items") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => items[(string)tags[0].Value!] = value);
        listener.Start();
        await pipeline.RunAsync().WaitAsync(PipelineHarness.HangGuard);
        listener.RecordObservableInstruments();

        Assert.Equal(15, items["read"]);
        Assert.Equal(15, items["augment"]);
        Assert.Equal(15, items["train"]);
        Assert.Equal(2, items["checkpoint"]);
    }

    [Fact]
    public void Find_ReaderStarvesEveryone_NamesRead()
    {
        StageSnapshot S(string n, double busy, double inWait, double outWait) => new(n, 10, 10, busy, inWait, outWait, 0, 0);
        var stages = new[] { S("read", 9.5, 0, 0.5), S("augment", 2, 8, 0), S("upload", 0.1, 9.9, 0), S("train", 3, 7, 0), S("checkpoint", 0.1, 9.9, 0) };
        Assert.Equal("read", Bottleneck.Find(stages));
    }
}
