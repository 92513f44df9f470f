using Microsoft.Extensions.Logging.Abstractions;
using Nnclr.Pipeline.Session;
using Nnclr.Pipeline.Tests.Fakes;

namespace Nnclr.Pipeline.Tests.Session;

public sealed class TrainingSessionTests : IDisposable
{
    // Per-test run directory, deleted at the end.
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"nnclr-session-{Guid.NewGuid():N}");

    public TrainingSessionTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private TrainingSession Session(Func<Nnclr.Pipeline.Configuration.TrainingConfig, ITrainingPorts> ports) =>
        new(ports, NullLogger.Instance, progress: null, Path.Combine(_dir, "metrics.jsonl"), Path.Combine(_dir, "tensorboard"),
            r => r.End == RunEnd.Failed ? 1 : 0);

    [Fact]
    public async Task RunAsync_ToTheEnd_CompletedWithFinalValuesAndOneMetricsLinePerInterval()
    {
        var sink = new FakeSink();
        var outcome = await Session(c => new SessionPorts(c, sink)).RunAsync(new SessionConfig(_dir, 20), CancellationToken.None)
            .WaitAsync(PipelineHarness.HangGuard);

        Assert.Equal("completed", outcome.Status);
        Assert.NotEqual(RunEnd.Failed, outcome.End);
        Assert.Equal(20, outcome.Pipeline!.Steps);
        Assert.Equal(new FinalEvaluation(0.020, 1), outcome.Final); // the ports' final evaluation, in the one unit (fractions)
        Assert.Equal([10L, 20L], sink.Written.Select(w => w.Meta.Step));
        var lines = File.ReadAllLines(Path.Combine(_dir, "metrics.jsonl"));
        Assert.Equal(5, lines.Length); // 4 intervals, then the final evaluation in percent
        Assert.Contains("\"event\":\"eval\",\"kind\":\"knn\",\"phase\":\"final\",\"step\":20,", lines[^1]);
        Assert.Contains("\"knn_top1\":2,\"knn_top5\":100,", lines[^1]);
    }

    [Fact]
    public async Task RunAsync_NaNOnceWithRollback_ResumesFromTheLastGoodCheckpointAndCompletes()
    {
        var sink = new FakeSink();
        int built = 0;
        var outcome = await Session(c => new SessionPorts(c, sink, t => { if (built++ == 0) t.NanFrom = 12; }))
            .RunAsync(new SessionConfig(_dir, 40, "rollback"), CancellationToken.None).WaitAsync(PipelineHarness.HangGuard);

        Assert.Equal("completed", outcome.Status);
        Assert.Equal(2, built);
        Assert.Equal([10L, 20L, 30L, 40L], sink.Written.Select(w => w.Meta.Step));
    }

    [Fact]
    public async Task RunAsync_NaNEveryAttemptWithRollback_FailsAfterMaxRollbacks()
    {
        var sink = new FakeSink();
        int built = 0;
        var outcome = await Session(c => new SessionPorts(c, sink, t => { built++; t.NanFrom = 2; }))
            .RunAsync(new SessionConfig(_dir, 40, "rollback"), CancellationToken.None).WaitAsync(PipelineHarness.HangGuard);

        Assert.Equal((RunEnd.Failed, RunFailure.Run), (outcome.End, outcome.Failure));
        Assert.True(outcome.NonFiniteLoss);
        Assert.Equal(1 + TrainingSession.MaxRollbacks, built);
        Assert.Contains("NaN", outcome.Error);
        Assert.Null(outcome.Final);
    }

    [Fact]
    public async Task RunAsync_NaNWithStop_FailsWithoutRollingBack()
    {
        var sink = new FakeSink();
        int built = 0;
        var outcome = await Session(c => new SessionPorts(c, sink, t => { built++; t.NanFrom = 12; }))
            .RunAsync(new SessionConfig(_dir, 40), CancellationToken.None).WaitAsync(PipelineHarness.HangGuard);

        Assert.Equal("failed", outcome.Status);
        Assert.True(outcome.NonFiniteLoss);
        Assert.Equal(1, built);
        Assert.Equal([10L], sink.Written.Select(w => w.Meta.Step));
    }
}
