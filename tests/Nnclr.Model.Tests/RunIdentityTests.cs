using System.Buffers.Binary;
using System.Text;
using K4os.Hash.xxHash;

namespace Nnclr.Model.Tests;

/// <summary>Run identity, run-scoped pruning and resume, the maths-config diff, and checkpoints as untrusted input.</summary>
public sealed class RunIdentityTests : IDisposable
{
    // Per-test scratch folder, deleted at the end.
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"nnclr-run-{Guid.NewGuid():N}");

    private const string Config32 = "{\"Optim\":{\"BatchSize\":32,\"LearningRate\":0.4},\"Model\":{\"Backbone\":\"tiny-cnn\"},\"Run\":{\"Seed\":42,\"RunDir\":\"a\",\"LogEvery\":5},\"Data\":{\"Dir\":\"/x\"},\"Pipeline\":{\"Device\":\"cpu\"}}";
    private const string Config128 = "{\"Optim\":{\"BatchSize\":128,\"LearningRate\":0.4},\"Model\":{\"Backbone\":\"tiny-cnn\"},\"Run\":{\"Seed\":42,\"RunDir\":\"b\",\"LogEvery\":9},\"Data\":{\"Dir\":\"/y\"},\"Pipeline\":{\"Device\":\"cuda\"}}";

    public RunIdentityTests()
    {
        TorchSetup.Ensure();
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Lazy<TrainerState> State = new(() =>
    {
        TorchSetup.Ensure();
        using var t = TrainerData.Trainer(16);
        TrainerData.Run(t, 0, 1);
        return t.Snapshot();
    });

    private static CheckpointMeta Meta(long step, string config = Config32) => new() { Step = step, ConfigJson = config, Seed = 42 };

    [Fact]
    public void ConfigDiff_BatchSizeChanged_ListsOnlyMathsKeys()
    {
        var changes = ConfigDiff.Compare(Config128, Config32);
        Assert.Equal(["Optim:BatchSize"], changes.Select(c => c.Key));
        Assert.Equal(("128", "32"), (changes[0].Stored, changes[0].Current));
        Assert.Empty(ConfigDiff.Compare(Config128, Config32, allowed: ["optim:batchsize"]));
        Assert.Equal(ConfigDiff.Hash(Config32), ConfigDiff.Hash(Config32.Replace("\"LogEvery\":5", "\"LogEvery\":7", StringComparison.Ordinal)));
        Assert.NotEqual(ConfigDiff.Hash(Config32), ConfigDiff.Hash(Config128));
    }

    [Fact]
    public void ConfigDiff_SeedAndMissingKeys_Listed()
    {
        var changes = ConfigDiff.Compare("{\"Run\":{\"Seed\":1},\"Nnclr\":{\"TopK\":1}}", "{\"Run\":{\"Seed\":2},\"Model\":{\"Backbone\":\"x\"}}");
        Assert.Equal(["Model:Backbone", "Nnclr:TopK", "Run:Seed"], changes.Select(c => c.Key));
        Assert.Null(changes[0].Stored);
        Assert.Null(changes[1].Current);
    }

    [Fact]
    public void Save_OtherRunsCheckpointsInFolder_PrunesOnlyItsOwn()
    {
        var folder = Path.Combine(_dir, "checkpoints");
        var old = new CheckpointDirectory(folder, keepLast: 2, RunIdentity.New(Config128));
        foreach (long step in new long[] { 500, 600, 700 }) old.Save(State.Value, Meta(step, Config128));
        var mine = new CheckpointDirectory(folder, keepLast: 2, RunIdentity.New(Config32));
        foreach (long step in new long[] { 10, 20, 30 }) mine.Save(State.Value, Meta(step));

        Assert.Equal([20L, 30L], mine.ListRun().Select(m => m.Step));
        Assert.Equal([600L, 700L], old.ListRun().Select(m => m.Step)); // the other run's files are untouched
        var latest = mine.LoadLatestValid(w => Assert.Fail(w));
        Assert.Equal(30, latest!.Value.Meta.Step);
        Assert.Equal(mine.Run!.RunId, latest.Value.Meta.RunId);
        Assert.Equal(ConfigDiff.Hash(Config32), latest.Value.Meta.ConfigHash);
    }

    [Fact]
    public void Save_SameStepAsAnotherRunsFile_DoesNotOverwriteIt()
    {
        var folder = Path.Combine(_dir, "checkpoints");
        var other = new CheckpointDirectory(folder, keepLast: 2, RunIdentity.New(Config128));
        var theirs = other.Save(State.Value, Meta(10, Config128));
        var mine = new CheckpointDirectory(folder, keepLast: 2, RunIdentity.New(Config32));
        var path = mine.Save(State.Value, Meta(10));
        Assert.NotEqual(theirs, path);
        Assert.Equal(other.Run!.RunId, CheckpointFile.ReadMeta(theirs).RunId);
        Assert.Equal(mine.Run!.RunId, CheckpointFile.ReadMeta(path).RunId);
        Assert.Equal(2, mine.List().Count);
    }

    [Fact]
    public void Save_AfterKillBetweenRenameAndPrune_TidiesToKeep()
    {
        var folder = Path.Combine(_dir, "checkpoints");
        var run = RunIdentity.New(Config32);
        var dir = new CheckpointDirectory(folder, keepLast: 2, run);
        dir.Save(State.Value, Meta(10));
        dir.Save(State.Value, Meta(20));
        // What a kill -9 after the rename of step 30 and before its prune leaves: Keep + 1 files of this run.
        CheckpointFile.Write(Path.Combine(folder, "ckpt-000000000030.nnclr"), State.Value, Meta(30).WithRun(run));
        Assert.Equal(3, dir.ListRun().Count);
        dir.Save(State.Value, Meta(40));
        Assert.Equal([30L, 40L], dir.ListRun().Select(m => m.Step));
    }

    [Fact]
    public void Open_FreshRunThenResume_ResumesOwnNewestNotOtherRuns()
    {
        var runDir = Path.Combine(_dir, "run");
        var (first, _) = RunCheckpoints.Open(runDir, 2, Config32, resume: false, w => Assert.Fail(w));
        first.Save(State.Value, Meta(10));
        // Another run's later checkpoint lands in the same folder (higher step, sorts last by name).
        new CheckpointDirectory(first.Directory, 2, RunIdentity.New(Config32)).Save(State.Value, Meta(900));
        var (again, resumed) = RunCheckpoints.Open(runDir, 2, Config32, resume: true, w => Assert.Fail(w));
        Assert.Equal(10, resumed!.Value.Meta.Step);
        Assert.Equal(first.Run, again.Run);
    }

    [Fact]
    public void Open_ResumeIntoDifferentBatchSize_RefusedListingKeys()
    {
        var runDir = Path.Combine(_dir, "run");
        var (dir, _) = RunCheckpoints.Open(runDir, 2, Config128, resume: false, _ => { });
        dir.Save(State.Value, Meta(10, Config128));
        var e = Assert.Throws<ConfigMismatchException>(() => RunCheckpoints.Open(runDir, 2, Config32, resume: true, _ => { }));
        Assert.Equal(["Optim:BatchSize"], e.Changes.Select(c => c.Key));
        Assert.Contains("Optim:BatchSize 128 → 32", e.Message);
        Assert.Contains("ckpt-000000000010.nnclr", e.Message);
        var (_, allowed) = RunCheckpoints.Open(runDir, 2, Config32, resume: true, _ => { }, allowedChanges: ["Optim:BatchSize"]);
        Assert.NotNull(allowed);
    }

    [Fact]
    public void Open_ResumeNewestUnusable_SkipsWithWarning()
    {
        var runDir = Path.Combine(_dir, "run");
        var (dir, _) = RunCheckpoints.Open(runDir, 3, Config32, resume: false, _ => { });
        dir.Save(State.Value, Meta(10));
        dir.Save(State.Value, Meta(20));
        var warnings = new List<string>();
        var (_, resumed) = RunCheckpoints.Open(runDir, 3, Config32, resume: true, warnings.Add,
            usable: s => ReferenceEquals(s, null) ? "x" : null);
        Assert.Equal(20, resumed!.Value.Meta.Step);
        int calls = 0;
        (_, resumed) = RunCheckpoints.Open(runDir, 3, Config32, resume: true, warnings.Add, usable: _ => calls++ == 0 ? "bad shapes" : null);
        Assert.Equal(10, resumed!.Value.Meta.Step);
        Assert.Contains(warnings, w => w.Contains("ckpt-000000000020.nnclr", StringComparison.Ordinal) && w.Contains("bad shapes", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_NullTensorsWithValidChecksum_ErrorNamesFile()
    {
        var path = WriteFrame("null.nnclr", "{\"Meta\":{},\"Tensors\":null}");
        var e = Assert.Throws<CheckpointFormatException>(() => CheckpointFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("\"Tensors\" is null", e.Message);
        path = WriteFrame("nullentry.nnclr", "{\"Meta\":null,\"Tensors\":[]}");
        Assert.Contains(path, Assert.Throws<CheckpointFormatException>(() => CheckpointFile.Read(path)).Message);
        path = WriteFrame("nullitem.nnclr", "{\"Meta\":{},\"Tensors\":[null]}");
        Assert.Contains("tensor #0", Assert.Throws<CheckpointFormatException>(() => CheckpointFile.Read(path)).Message);
    }

    [Fact]
    public void Restore_NullOrMisShapedScalars_RefusedBeforeAnyCopy()
    {
        using var t = TrainerData.Trainer(16);
        var before = t.Snapshot();
        var bad = new TrainerState(State.Value.Tensors.Select(x => x.Name == "support.pointer" ? StateTensor.Scalar(x.Name, 5) : x));
        Assert.NotNull(CheckpointUse.TryRestore(t)(bad));
        Assert.Empty(TrainerData.Differences(before, t.Snapshot()));
    }

    [Fact]
    public void Fit_StoredConfigClaimsHugeSupportSet_RefusedFromShapes()
    {
        var model = TrainerData.TinyModel();
        var opts = TrainerData.Options();
        CheckpointFit.Require("x.nnclr", State.Value, model, opts); // agrees
        opts.SupportSetSize = 524_288;
        model.ProjectorOut = 1024;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CheckpointFormatException>(() => CheckpointFit.Require("x.nnclr", State.Value, model, opts));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("x.nnclr", e.Message);
        Assert.Contains("support.queue", e.Message);
    }

    // A frame with a valid checksum around an arbitrary header and no tensor bytes.
    private string WriteFrame(string name, string headerJson)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var file = new byte[20 + header.Length + 8];
        "NNCLRCKP"u8.CopyTo(file);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(8), CheckpointFile.FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(12), header.Length);
        header.CopyTo(file, 20);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(file.Length - 8), XXH64.DigestOf(file.AsSpan(0, file.Length - 8)));
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, file);
        return path;
    }
}

internal static class MetaExtensions
{
    public static CheckpointMeta WithRun(this CheckpointMeta meta, RunIdentity run)
    {
        meta.RunId = run.RunId;
        meta.ConfigHash = run.ConfigHash;
        return meta;
    }
}
