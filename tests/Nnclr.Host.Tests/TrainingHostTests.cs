using System.Collections;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Host.Hosting;
using Nnclr.Pipeline.Tests.Fakes;

namespace Nnclr.Host.Tests;

public sealed class TrainingHostTests : IDisposable
{
    // A hung host fails the test instead of hanging it.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private static readonly IDictionary NoEnvironment = new Hashtable();

    // This test's run directory, deleted afterwards.
    private readonly string _runDir = Path.Combine(Path.GetTempPath(), $"nnclr-run-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_runDir)) Directory.Delete(_runDir, recursive: true);
    }

    private TrainFlags Flags(long maxSteps, params string[] extra) => TrainFlags.Parse(new CliArgs(
        new[] { "--preset", "demo", "--run-dir", _runDir, "--max-steps", maxSteps.ToString(), "--log-every", "5", "--log-format", "json",
                "--set", "Optim:BatchSize=8;Nnclr:SupportSetSize=64;Checkpoint:EverySteps=10;Pipeline:AugmentThreads=2" }.Concat(extra),
        new HashSet<string> { "deterministic", "resume" }));

    private static Task<int> Run(TrainFlags flags, Func<TrainingConfig, ITrainingPorts> factory, CancellationToken cancel = default, TextWriter? error = null) =>
        TrainingHost.RunAsync(flags, factory, cancel, NoEnvironment, error).WaitAsync(HangGuard);

    [Fact]
    public async Task RunAsync_FakePorts_WritesTheRunDirectoryAndExits0()
    {
        var sink = new FakeSink();
        int code = await Run(Flags(23), c => new FakePorts(c, sink));

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal([10L, 20L, 23L], sink.Written.Select(w => w.Meta.Step));
        var lines = File.ReadAllLines(Path.Combine(_runDir, "metrics.jsonl")).Where(l => !l.Contains("\"event\":\"eval\"", StringComparison.Ordinal)).ToArray();
        Assert.Equal([5L, 10L, 15L, 20L, 23L], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt64()));
        using (var first = JsonDocument.Parse(lines[0]))
        {
            var r = first.RootElement;
            Assert.True(r.GetProperty("loss").GetDouble() > 0);
            Assert.InRange(r.GetProperty("nn_acc").GetDouble(), 0, 1);
            Assert.True(r.GetProperty("images_per_s").GetDouble() > 0);
            Assert.True(r.GetProperty("stage_images_per_s").TryGetProperty("augment", out _));
        }
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_runDir, "config.resolved.json")));
        Assert.Equal(8, config.RootElement.GetProperty("Optim").GetProperty("BatchSize").GetInt32());
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_runDir, "summary.json")));
        Assert.Equal("completed", summary.RootElement.GetProperty("status").GetString());
        Assert.Equal(23, summary.RootElement.GetProperty("steps").GetInt64());
        Assert.Equal(23, summary.RootElement.GetProperty("last_checkpoint").GetProperty("step").GetInt64());
        var final = summary.RootElement.GetProperty("final_eval");
        Assert.Equal(100, final.GetProperty("knn_top5").GetDouble()); // the one place fractions become percent
        Assert.InRange(final.GetProperty("knn_top1").GetDouble(), 0, 100);
        Assert.Equal(5, summary.RootElement.GetProperty("stages").GetProperty("stages").GetArrayLength());
        Assert.True(Directory.Exists(Path.Combine(_runDir, "checkpoints")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_runDir, "tensorboard"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task RunAsync_StopSignalMidRun_FinishesTheStepWritesAFinalCheckpointAndExits0()
    {
        var sink = new FakeSink();
        FakeTrainer? trainer = null;
        using var sigterm = new CancellationTokenSource();
        var run = Run(Flags(100_000), c => new FakePorts(c, sink, t => { t.Delay = TimeSpan.FromMilliseconds(5); trainer = t; }), sigterm.Token);
        while (sink.Written.IsEmpty) await Task.Delay(10); // the first periodic checkpoint (step 10)
        sigterm.Cancel();
        // Read after the signal: on a busy machine this thread may be descheduled for several 5-ms steps between two lines.
        long stepsAtStop = trainer!.Steps;
        int code = await run;

        Assert.Equal(ExitCodes.Ok, code);
        var last = sink.Written.Last();
        // Behaviour, not speed: the stop ends the run after the step in progress, whatever the machine's load.
        Assert.InRange(last.Meta.Step, stepsAtStop, stepsAtStop + 1);
        Assert.Equal(trainer!.Steps, last.Meta.Step);  // every trained step is in the final checkpoint
        Assert.Equal(trainer.Weights, last.Weights);
        Assert.True(last.Meta.Step < 100_000);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_runDir, "summary.json")));
        Assert.Equal("stopped", summary.RootElement.GetProperty("status").GetString());
        Assert.Equal(last.Meta.Step, summary.RootElement.GetProperty("steps").GetInt64());
    }

    [Fact]
    public async Task RunAsync_StopDuringFinalEvaluation_StatusStoppedAndCheckpointsIntact()
    {
        var sink = new FakeSink();
        using var sigterm = new CancellationTokenSource();
        int code = await Run(Flags(23), c => new FakePorts(c, sink)
        {
            // The evaluation checks its token between batches: here, at its first batch after the signal.
            OnFinish = stop =>
            {
                sigterm.Cancel();
                stop.WaitHandle.WaitOne(HangGuard);
                stop.ThrowIfCancellationRequested();
            },
        }, sigterm.Token);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(23L, sink.Written.Last().Meta.Step);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_runDir, "summary.json")));
        Assert.Equal("stopped", summary.RootElement.GetProperty("status").GetString());
        Assert.Equal(23, summary.RootElement.GetProperty("last_checkpoint").GetProperty("step").GetInt64());
        Assert.False(summary.RootElement.TryGetProperty("final_eval", out _)); // abandoned: no final evaluation
    }

    [Fact]
    public async Task RunAsync_FinalEvaluationFails_Exits1WithTheErrorInTheSummary()
    {
        var sink = new FakeSink();
        int code = await Run(Flags(23), c => new FakePorts(c, sink) { OnFinish = _ => throw new InvalidOperationException("features exploded") });

        Assert.Equal(ExitCodes.RunFailed, code);
        Assert.Equal(23L, sink.Written.Last().Meta.Step);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_runDir, "summary.json")));
        Assert.Equal("failed", summary.RootElement.GetProperty("status").GetString());
        Assert.Equal("final evaluation failed: features exploded", summary.RootElement.GetProperty("error").GetString());
        Assert.Equal(23, summary.RootElement.GetProperty("steps").GetInt64());
    }

    [Fact]
    public async Task RunAsync_PortsFactoryFails_Exits1WithAFailedSummary()
    {
        int code = await Run(Flags(23), _ => throw new IOException("shard 'x' is corrupt"));

        Assert.Equal(ExitCodes.RunFailed, code);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_runDir, "summary.json")));
        Assert.Equal("failed", summary.RootElement.GetProperty("status").GetString());
        Assert.Equal("shard 'x' is corrupt", summary.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task RunAsync_RunDirectoryIsAFile_Exits1WithTheErrorOnStderr()
    {
        File.WriteAllText(_runDir, "not a directory");
        try
        {
            var error = new StringWriter();
            int code = await Run(Flags(23), c => new FakePorts(c, new FakeSink()), error: error);

            Assert.Equal(ExitCodes.RunFailed, code);
            Assert.Contains($"nnclr train: cannot write the run directory {_runDir}", error.ToString());
        }
        finally { File.Delete(_runDir); }
    }

    [Fact]
    public async Task RunAsync_InvalidConfiguration_Exits2BeforeAnyWork()
    {
        bool built = false;
        var error = new StringWriter();
        var flags = Flags(10);
        flags = flags with { Overrides = new Dictionary<string, string?>(flags.Overrides) { ["Optim:BatchSize"] = "7" } };
        int code = await Run(flags, c => { built = true; return new FakePorts(c, new FakeSink()); }, error: error);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.False(built);
        Assert.False(Directory.Exists(_runDir));
        Assert.Contains("Nnclr:SupportSetSize (64) must be a multiple of Optim:BatchSize (7)", error.ToString());
    }

    [Fact]
    public async Task RunAsync_UnknownPreset_Exits2()
    {
        var error = new StringWriter();
        var flags = Flags(10) with { Preset = "nope" };
        int code = await Run(flags, c => new FakePorts(c, new FakeSink()), error: error);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("unknown preset 'nope'", error.ToString());
    }

    [Fact]
    public async Task RunAsync_LossBecomesNaN_Exits1WithAFailedSummary()
    {
        var sink = new FakeSink();
        int code = await Run(Flags(40), c => new FakePorts(c, sink, t => t.NanFrom = 12));

        Assert.Equal(ExitCodes.RunFailed, code);
        Assert.Equal([10L], sink.Written.Select(w => w.Meta.Step));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_runDir, "summary.json")));
        Assert.Equal("failed", summary.RootElement.GetProperty("status").GetString());
        Assert.Contains("loss is NaN over steps 11–15", summary.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task RunAsync_NaNWithRollbackConfigured_ResumesFromTheLastGoodCheckpoint()
    {
        var sink = new FakeSink();
        int built = 0;
        var flags = Flags(40);
        flags = flags with { Overrides = new Dictionary<string, string?>(flags.Overrides) { ["Run:OnNonFiniteLoss"] = "rollback" } };
        int code = await Run(flags,
            c => new FakePorts(c, sink, t => { if (built++ == 0) t.NanFrom = 12; }));

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(2, built);
        Assert.Equal([10L, 20L, 30L, 40L], sink.Written.Select(w => w.Meta.Step));
    }

    [Fact]
    public void Build_Host_HandlesSigtermThroughTheConsoleLifetime()
    {
        using var host = TrainingHost.Build(Flags(10), c => new FakePorts(c, new FakeSink()), NoEnvironment);

        Assert.IsType<ConsoleLifetime>(host.Services.GetRequiredService<IHostLifetime>());
        Assert.Equal(TimeSpan.FromSeconds(120), host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HostOptions>>().Value.ShutdownTimeout);
    }
}
