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
        new(ports, NullLogger.Instance, progress: null, Path.Combine(_dir, "metrics.jsonl"), Path.Combine(_dir, "tensorboard"));

    [Fact]
    public async Task RunAsync_ToTheEnd_CompletedWithFinalValuesAndOneMetricsLinePerInterval()
    {
        var sink = new FakeSink();
        var outcome = await Session(c => new SessionPorts(c, sink)).RunAsync(new SessionConfig(_dir, 20), CancellationToken.None)
            .WaitAsync(PipelineHarness.HangGuard);

        Assert.Equal("completed", outcome.Status);
        Assert.False(outcome.Failed);
        Assert.Equal(20, outcome.Result!.Steps);
        Assert.Equal(20, outcome.Final!["fake_steps"]);
        Assert.Equal([10L, 20L], sink.Written.Select(w => w.Meta.Step));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(_dir, "metrics.jsonl")).Length);
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

        Assert.True(outcome.Failed);
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
