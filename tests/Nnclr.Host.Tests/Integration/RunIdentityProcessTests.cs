using System.Buffers.Binary;
using System.Text;
using K4os.Hash.xxHash;
using Nnclr.Model;

namespace Nnclr.Host.Tests.Integration;

/// <summary>
/// The real `nnclr train` / `nnclr eval knn` on a reused run directory and on hostile checkpoints (issue 17 points 1
/// and 4): a fresh run keeps its own checkpoints beside another run's, --resume into another batch size is refused
/// with the keys listed, a checkpoint whose stored configuration over-claims sizes is refused before allocating.
/// </summary>
[Collection("train-process")]
public sealed class RunIdentityProcessTests(DemoData demo) : IClassFixture<DemoData>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task FreshRun_InDirectoryWithAnotherRun_RefusedThenForceMovesItAsideAndResumesItsOwn()
    {
        var run = demo.NewRunDir("reuse");
        // The other run: more steps, so its checkpoint names sort after the new run's.
        using (var p = new NnclrProcess(demo.Root, demo.TrainArgs(run, 30, 10)))
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
        var other = RunIdentity.Load(run, w => Assert.Fail(w))!;
        var metricsBefore = File.ReadAllText(Path.Combine(run, "metrics.jsonl"));

        // Without --resume or --force the directory is refused, and nothing in it changes.
        using (var p = new NnclrProcess(demo.Root, demo.TrainArgs(run, 20, 10)))
        {
            int code = await p.WaitAsync(Limit);
            Assert.True(code == 2, $"expected exit 2, got {code}:\n{p.Output}");
            Assert.Contains($"run directory {run} holds another run", p.Output);
            Assert.Contains("--force", p.Output);
        }
        Assert.Equal(metricsBefore, File.ReadAllText(Path.Combine(run, "metrics.jsonl")));
        var filesBefore = Snapshot(run);
        foreach (var name in new[] { "run.json", "config.resolved.json", "metrics.jsonl", "status.json", "summary.json", "report/report.html" })
            Assert.True(filesBefore.ContainsKey(name), $"the finished run has no {name}: {string.Join(", ", filesBefore.Keys)}");
        Assert.Contains(filesBefore.Keys, k => k.StartsWith("checkpoints/", StringComparison.Ordinal));
        Assert.Contains(filesBefore.Keys, k => k.StartsWith("tensorboard/", StringComparison.Ordinal));

        // --force moves the other run's files into previous-<utc>/ (nothing deleted) and starts afresh.
        using (var p = new NnclrProcess(demo.Root, [.. demo.TrainArgs(run, 20, 10), "--force"]))
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
        var mine = RunIdentity.Load(run, w => Assert.Fail(w))!;
        Assert.NotEqual(other.RunId, mine.RunId);
        var previous = Assert.Single(Directory.GetDirectories(run, "previous-*"));
        // Every file of the other run, status.json and report/ included, is in previous-<utc>/ byte for byte.
        var filesMoved = Snapshot(previous);
        Assert.Equal(filesBefore.Keys.Order(StringComparer.Ordinal), filesMoved.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, bytes) in filesBefore) Assert.True(bytes.AsSpan().SequenceEqual(filesMoved[name]), $"{name} changed on the way to {previous}");
        Assert.Equal(other.RunId, RunIdentity.Load(previous, w => Assert.Fail(w))!.RunId);
        Assert.Equal([20L, 30L], new CheckpointDirectory(Path.Combine(previous, "checkpoints"), 2, other).ListRun().Select(m => m.Step));

        var folder = Path.Combine(run, "checkpoints");
        Assert.Equal([10L, 20L], new CheckpointDirectory(folder, 2, mine).ListRun().Select(m => m.Step));
        using (var p = new NnclrProcess(demo.Root, demo.TrainArgs(run, 30, 10, "--resume")))
        {
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
            Assert.Contains("step 20", p.Output); // resumed its own step 20
        }
        Assert.Equal([20L, 30L], new CheckpointDirectory(folder, 2, mine).ListRun().Select(m => m.Step));
    }

    [Fact]
    public async Task Resume_IntoDifferentBatchSize_RefusedWithKeysListed()
    {
        var run = demo.NewRunDir("batch");
        using (var p = new NnclrProcess(demo.Root, demo.TrainArgs(run, 10, 10)))
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
        var args = demo.TrainArgs(run, 20, 10, "--resume").Select(a => a.Replace("Optim:BatchSize=32", "Optim:BatchSize=64", StringComparison.Ordinal)).ToArray();
        using var q = new NnclrProcess(demo.Root, args);
        int code = await q.WaitAsync(Limit);
        Assert.True(code == 2, $"expected exit 2, got {code}:\n{q.Output}");
        Assert.Contains("Optim:BatchSize 32 → 64", q.Output);
        Assert.Contains("--allow-config-change Optim:BatchSize", q.Output);
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(run, "checkpoints")), f => f.Contains("000000000020", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resume_CheckpointWrittenWithDifferentBatchSize_RefusedNamingTheCheckpoint()
    {
        // Without the run's config.resolved.json (an older run directory) the checkpoint's own stored configuration decides.
        var run = demo.NewRunDir("batch-ckpt");
        using (var p = new NnclrProcess(demo.Root, demo.TrainArgs(run, 10, 10)))
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
        File.Delete(Path.Combine(run, "config.resolved.json"));
        var args = demo.TrainArgs(run, 20, 10, "--resume").Select(a => a.Replace("Optim:BatchSize=32", "Optim:BatchSize=64", StringComparison.Ordinal)).ToArray();
        using var q = new NnclrProcess(demo.Root, args);
        int code = await q.WaitAsync(Limit);
        Assert.True(code == 2, $"expected exit 2, got {code}:\n{q.Output}");
        Assert.Contains("Optim:BatchSize 32 → 64", q.Output);
        Assert.Contains("ckpt-000000000010.nnclr", q.Output);
    }

    [Fact]
    public async Task EvalKnn_CheckpointClaimingHugeSupportSet_RefusedNamingFile()
    {
        var run = demo.NewRunDir("claim");
        using (var p = new NnclrProcess(demo.Root, demo.TrainArgs(run, 10, 10)))
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
        var path = Path.Combine(run, "checkpoints", "ckpt-000000000010.nnclr");
        var hostile = Path.Combine(run, "hostile.nnclr");
        var (state, meta) = CheckpointFile.Read(path);
        meta.ConfigJson = meta.ConfigJson.Replace("\"SupportSetSize\": 256", "\"SupportSetSize\": 524288", StringComparison.Ordinal)
                                         .Replace("\"ProjectorOut\": 32", "\"ProjectorOut\": 1024", StringComparison.Ordinal);
        Assert.Contains("524288", meta.ConfigJson);
        CheckpointFile.Write(hostile, state, meta);
        using var q = new NnclrProcess(demo.Root, "eval", "knn", "--checkpoint", hostile, "--data", demo.DataDir);
        int code = await q.WaitAsync(Limit);
        Assert.True(code == 1, $"expected exit 1, got {code}:\n{q.Output}");
        Assert.Contains(hostile, q.Output);
        Assert.Contains("support.queue", q.Output);
    }

    [Fact]
    public async Task EvalKnn_NullTensorsWithValidChecksum_ErrorNamesFile()
    {
        var header = Encoding.UTF8.GetBytes("{\"Meta\":{},\"Tensors\":null}");
        var file = new byte[20 + header.Length + 8];
        "NNCLRCKP"u8.CopyTo(file);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(8), CheckpointFile.FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(12), header.Length);
        header.CopyTo(file, 20);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(file.Length - 8), XXH64.DigestOf(file.AsSpan(0, file.Length - 8)));
        var path = Path.Combine(demo.NewRunDir("null"), "null.nnclr");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, file);
        using var q = new NnclrProcess(demo.Root, "eval", "knn", "--checkpoint", path, "--data", demo.DataDir);
        int code = await q.WaitAsync(Limit);
        Assert.True(code == 1, $"expected exit 1, got {code}:\n{q.Output}");
        Assert.Contains(path, q.Output);
        Assert.Contains("\"Tensors\" is null", q.Output);
        Assert.DoesNotContain("Object reference", q.Output);
    }

    [Fact]
    public async Task Train_ConfigFileSyntaxError_OneLineWithLineAndPosition()
    {
        var dir = demo.NewRunDir("cfg");
        Directory.CreateDirectory(dir);
        var config = Path.Combine(dir, "bad.json");
        File.WriteAllText(config, "{\n  \"Optim\": {\n    \"BatchSize\": 32,,\n  }\n}\n");
        using var q = new NnclrProcess(demo.Root, "train", "--preset", "demo", "--config", config, "--run-dir", Path.Combine(dir, "run"));
        int code = await q.WaitAsync(Limit);
        Assert.True(code == 2, $"expected exit 2, got {code}:\n{q.Output}");
        var lines = q.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines, l => l.Contains("bad.json", StringComparison.Ordinal));
        Assert.Contains("line 3, position", line);
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal)); // no stack trace
    }

    // Every file under dir (previous-* folders and the run directory's lock files left out: not run files, never
    // moved) by its path relative to dir, with its bytes.
    private static Dictionary<string, byte[]> Snapshot(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("previous-", StringComparison.Ordinal) && !f.StartsWith(Nnclr.Data.FolderLock.LockFile, StringComparison.Ordinal))
            .ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(dir, f)), StringComparer.Ordinal);
}
