using System.Text.Json;
using Nnclr.Model;
using Nnclr.Pipeline.Metrics;
using Nnclr.Pipeline.Ports;
using Nnclr.Pipeline.Session;

namespace Nnclr.Pipeline.Tests.Metrics;

/// <summary>The run directory's record types: the bytes each writes, and that each reads back what it wrote.</summary>
public sealed class RunRecordsTests : IDisposable
{
    private readonly RunDirectory _run = new RunDirectory(Directory.CreateTempSubdirectory("nnclr-records-").FullName).Create();
    private static readonly DateTimeOffset At = new(2026, 12, 4, 16, 30, 38, TimeSpan.Zero);

    public void Dispose() => Directory.Delete(_run.Root, recursive: true);

    private static IntervalMetrics Interval(long step, double loss) =>
        new(step, 1, loss, 0.25, 0.125, 1000.123, new StageReport([new StageSnapshot("read", step, 2, 1, 0, 0, 3, double.NaN), new StageSnapshot("train", step, 2, 2, 0, 0, 0, 16)], 8));

    [Fact]
    public void EvalLine_WritesTheKindNamedAccuracies_AndReadsThemBack()
    {
        var line = new EvalLine(At, "knn", "final", 120, 3, 41.25, 88.5, 12.34);
        Assert.Equal("{\"time\":\"2026-12-04T16:30:38+00:00\",\"event\":\"eval\",\"kind\":\"knn\",\"phase\":\"final\",\"step\":120,\"epoch\":3,"
            + "\"knn_top1\":41.25,\"knn_top5\":88.5,\"seconds\":12.34}", line.ToJson());
        Assert.Equal(line, JsonSerializer.Deserialize<EvalLine>(line.ToJson()));
        var noTop5 = new EvalLine(At, "linear", "periodic", 60, 1, 30, null, 1);
        Assert.DoesNotContain("top5", noTop5.ToJson());
        Assert.Equal(noTop5, JsonSerializer.Deserialize<EvalLine>(noTop5.ToJson()));
    }

    [Fact]
    public void EvalLine_From_GivesPercentWithTwoDecimals()
    {
        var line = EvalLine.From(new EvaluationResult("knn", "periodic", 10, 1, 0.123456, double.NaN, 2.345));
        Assert.Equal((12.35, (double?)null, 2.35), (line.Top1Percent, line.Top5Percent, line.Seconds));
    }

    [Fact]
    public void MetricsLine_HasTheFieldsInTheirOrder()
    {
        var json = MetricsLine.From(Interval(5, 6.5), [new("read", 0.123456)]).ToJson();
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(["time", "step", "epoch", "loss", "lr", "nn_acc", "images_per_s", "stage_images_per_s", "bottleneck", "stage_busy", "rss_mb", "rss_peak_mb", "managed_mb", "live_tensors"],
            doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Contains("\"images_per_s\":1000.12,\"stage_images_per_s\":{\"read\":20,\"train\":20},", json);
        Assert.Contains("\"stage_busy\":{\"read\":0.1235}", json);
        Assert.DoesNotContain("stage_busy", MetricsLine.From(Interval(5, 6.5)).ToJson());
    }

    [Fact]
    public void MetricsJournal_ReadsIntervalsAndEvaluations_SkippingOtherEventsAndAHalfWrittenLine()
    {
        var first = MetricsLine.From(Interval(5, 6.5), [new("read", 0.5)]);
        var eval = new EvalLine(At, "knn", "periodic", 5, 1, 20, 50, 1);
        File.WriteAllLines(_run.Metrics, [first.ToJson(), "", eval.ToJson(), "{\"event\":\"other\",\"step\":5}", "{\"loss\":1}",
            MetricsLine.From(Interval(10, 6.0)).ToJson(), "{\"time\":\"2026-12-04T16:30:38+00:00\",\"step\":15,\"ep"]);
        var (intervals, evaluations) = MetricsJournal.Read(_run);
        Assert.Equal([5L, 10L], intervals.Select(i => i.Step));
        Assert.Equal(6.5, intervals[0].Loss);
        Assert.Equal(0.5, intervals[0].StageBusy!["read"]);
        Assert.Null(intervals[1].StageBusy);
        Assert.Equal(eval, Assert.Single(evaluations));
    }

    [Fact]
    public void MetricsJournal_OlderLineWithoutNewerFields_ReadsNaN()
    {
        File.WriteAllText(_run.Metrics, "{\"step\":3,\"loss\":2.5}\n");
        var line = Assert.Single(MetricsJournal.Read(_run).Intervals);
        Assert.Equal((3L, 2.5), (line.Step, line.Loss));
        Assert.True(double.IsNaN(line.RssMb) && double.IsNaN(line.ImagesPerSecond));
    }

    [Fact]
    public void RunSummary_SavesIndentedWithoutAbsentValues_AndLoadsBack()
    {
        var summary = new RunSummary
        {
            Preset = "demo", Status = "completed", ExitCode = 0, StartedAt = At, FinishedAt = At.AddSeconds(5), Version = "1.0.0", Dotnet = "10.0.0",
            Host = "h", Dataset = "digits", DataDir = "/d", Steps = 10, Epoch = 1, ElapsedSeconds = 5.5,
            LastCheckpoint = new SummaryCheckpoint(10, 1, 0), FinalEval = FinalEvalPercent.From(new FinalEvaluation(0.905, 0.99)),
            Stages = Interval(10, 1).Stages.ToRecord(),
        };
        summary.Save(_run);
        var text = File.ReadAllText(_run.Summary);
        Assert.StartsWith("{\n  \"preset\": \"demo\",\n  \"status\": \"completed\",\n  \"exit_code\": 0,\n  \"started_at\": \"2026-12-04T16:30:38+00:00\",", text);
        Assert.DoesNotContain("\"error\"", text);
        Assert.DoesNotContain("\"commit\"", text);
        Assert.Contains("\"alloc_bytes_per_item\": null", text); // not measured: written as null, as the stage table always was
        var back = RunSummary.Load(_run)!;
        Assert.Equal(summary with { Stages = null }, back with { Stages = null });
        Assert.Contains("\"final_eval\": {\n    \"knn_top1\": 90.5,\n    \"knn_top5\": 99\n  },", text); // no baseline: no baseline fields
        Assert.Equal(summary.Stages!.Stages, back.Stages!.Stages);
        Assert.Equal(summary.Stages.Bottleneck, back.Stages.Bottleneck);
    }

    [Fact]
    public void RunSummary_Damaged_IsAnErrorNamingTheFile()
    {
        File.WriteAllText(_run.Summary, "{\"status\": ");
        var e = Assert.Throws<InvalidDataException>(() => RunSummary.Load(_run));
        Assert.Contains(_run.Summary, e.Message);
    }

    [Fact]
    public void FinalEvalPercent_FromFractions_PercentWithTwoDecimalsAndTheGainInPoints()
    {
        var pct = FinalEvalPercent.From(new FinalEvaluation(0.41256, 0.8, 0.3, 0.6));
        Assert.Equal([new("knn_top1", 41.26), new("knn_top5", 80), new("knn_top1_random_init", 30), new("knn_top5_random_init", 60), new("knn_top1_gain_points", 11.26)],
            pct.Fields());
        Assert.Equal(["knn_top1", "knn_top5"], FinalEvalPercent.From(new FinalEvaluation(0.5, 0.9)).Fields().Select(f => f.Key));
    }
}
