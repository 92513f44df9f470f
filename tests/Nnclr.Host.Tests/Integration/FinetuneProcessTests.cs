using System.Text.Json;
using Nnclr.Model;

namespace Nnclr.Host.Tests.Integration;

/// <summary>
/// The real `nnclr finetune` in a child process on the small demo dataset: exact resume after kill -9, SIGTERM →
/// checkpoint, the records and the export it writes. (Fine-tuned vs random init on the README's demo run:
/// <see cref="DemoPresetTests"/>, which reuses the run it trains.)
/// </summary>
[Collection("train-process")]
public sealed class FinetuneProcessTests(DemoData demo) : IClassFixture<DemoData>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);
    private const int Steps = 120; // 80 labelled images (12.5 % of each class's 64), batch 16: 5 steps per epoch, 24 epochs

    private string[] Args(string outDir, params string[] extra) =>
    [
        "finetune", "--random-init", "--preset", "demo", "--data", demo.DataDir, "--labels-fraction", "0.125", "--epochs", "24",
        "--deterministic", "--checkpoint-every", "10", "--log-every", "2", "--out", outDir, .. extra,
    ];

    private static long LatestStep(string outDir)
    {
        var dir = Path.Combine(outDir, "checkpoints");
        if (!Directory.Exists(dir)) return -1;
        var files = Directory.GetFiles(dir, "ckpt-*.nnclr");
        return files.Length == 0 ? -1 : files.Max(f => long.Parse(Path.GetFileNameWithoutExtension(f)["ckpt-".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task KilledThenResumed_AndTerminatedThenResumed_Deterministic_EndBitIdenticalToUninterruptedFinetune()
    {
        var reference = demo.NewRunDir("ft-ref");
        using (var p = new NnclrProcess(demo.Root, Args(reference)))
        {
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
            Assert.Contains("random-init  top-1", p.Output);
        }
        // The records: the subset (8 of each class), the summary, metrics lines, the export with fc.
        var subset = File.ReadAllLines(Path.Combine(reference, "labels-subset.txt")).Where(l => !l.StartsWith('#')).ToArray();
        Assert.Equal(80, subset.Length);
        using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(reference, "summary.json"))))
        {
            Assert.Equal("completed", summary.RootElement.GetProperty("status").GetString());
            Assert.Equal(Steps, summary.RootElement.GetProperty("steps").GetInt64());
            Assert.InRange(summary.RootElement.GetProperty("final_eval").GetProperty("finetune_top1").GetDouble(), 0, 100);
        }
        Assert.True(File.ReadAllLines(Path.Combine(reference, "metrics.jsonl")).Length >= Steps / 2);
        var weights = WeightsFile.Read(Path.Combine(reference, "finetuned.safetensors"));
        Assert.True(weights.TryGet("fc.weight", out var fc) && fc.Shape[0] == 10, "the export lacks a 10-class fc.weight");
        Assert.True(weights.TryGet("fc.bias", out _));
        var referenceBytes = File.ReadAllBytes(Path.Combine(reference, "finetuned.safetensors"));

        // kill -9 once a checkpoint exists and the run has gone on past it, then --resume.
        var killed = demo.NewRunDir("ft-killed");
        using (var p = new NnclrProcess(demo.Root, Args(killed)))
        {
            await p.WaitUntilAsync(() => LatestStep(killed) >= 20, Limit, "a checkpoint at step >= 20");
            p.Kill();
            Assert.True(LatestStep(killed) < Steps, "the fine-tune finished before it could be killed; the test needs more steps");
        }
        using (var p = new NnclrProcess(demo.Root, Args(killed, "--resume")))
        {
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
            Assert.Contains("resuming from", p.Output);
        }
        Assert.Equal(referenceBytes, File.ReadAllBytes(Path.Combine(killed, "finetuned.safetensors")));

        // SIGTERM: a final checkpoint, exit 0, then --resume ends bit-identical too.
        var stopped = demo.NewRunDir("ft-term");
        using (var p = new NnclrProcess(demo.Root, Args(stopped)))
        {
            await p.WaitUntilAsync(() => LatestStep(stopped) >= 10, Limit, "a first checkpoint");
            p.Terminate();
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
            Assert.Contains("continue with --resume", p.Output);
        }
        long atStop = LatestStep(stopped);
        var (state, meta) = CheckpointFile.Read(Directory.GetFiles(Path.Combine(stopped, "checkpoints"), "*.nnclr").Max()!);
        Assert.True(meta.Final && meta.Step == atStop && atStop < Steps, $"the stop checkpoint is at step {atStop}, final {meta.Final}");
        Assert.Equal(atStop, state.Step);
        using (var p = new NnclrProcess(demo.Root, Args(stopped, "--resume")))
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
        Assert.Equal(referenceBytes, File.ReadAllBytes(Path.Combine(stopped, "finetuned.safetensors")));
    }

    [Fact]
    public async Task ResumeWithAnotherFraction_RefusedNamingTheSubsetFile()
    {
        var outDir = demo.NewRunDir("ft-other");
        var first = Args(outDir);
        first[Array.IndexOf(first, "24")] = "1";
        using (var p = new NnclrProcess(demo.Root, first))
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
        var args = Args(outDir, "--resume");
        args[Array.IndexOf(args, "24")] = "1";
        args[Array.IndexOf(args, "0.125")] = "0.25";
        using var q = new NnclrProcess(demo.Root, args);
        Assert.Equal(2, await q.WaitAsync(Limit));
        Assert.Contains("labels-subset.txt", q.Output);
    }
}
