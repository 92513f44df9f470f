using System.Diagnostics;
using Nnclr.Data;
using Nnclr.Data.Shards;
using Nnclr.Host.Commands;
using Nnclr.Model;

namespace Nnclr.Host.Tests.Integration;

/// <summary>
/// Issue 26 cases 1–3, process level: a second `nnclr train` on a locked run directory and a second `nnclr ingest`
/// into a locked dataset folder are refused at once naming the holder; a lock dies with its process (SIGKILL); the
/// demo generator never writes into a folder holding files nnclr did not write.
/// </summary>
public sealed class ReliabilityProcessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nnclr-reliab-" + Guid.NewGuid().ToString("N"));

    public ReliabilityProcessTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task SecondTrain_OnLockedRunDirectory_RefusedNamingHolder_StatusShowsHolder()
    {
        var run = Path.Combine(_dir, "run");
        using (var held = new RunDirectory(run).Lock("nnclr train (the first)"))
        {
            using var second = new NnclrProcess(_dir, "train", "--preset", "demo", "--data", Path.Combine(_dir, "demo"), "--run-dir", run);
            Assert.Equal(1, await second.WaitAsync(Timeout));
            Assert.Contains($"is in use by another nnclr process (pid {Environment.ProcessId} on", second.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(run, RunDirectory.MetricsFile)));
            Assert.StartsWith($"held by pid {Environment.ProcessId} on ", StatusCommand.LockText(run), StringComparison.Ordinal);
        }
        Assert.Equal("free", StatusCommand.LockText(run));
    }

    [Fact]
    public async Task LockOfAKilledProcess_DoesNotBlock()
    {
        // A holder that dies by SIGKILL (as in an OOM kill): flock(1) takes the same kernel lock FolderLock takes.
        var run = Path.Combine(_dir, "run");
        Directory.CreateDirectory(run);
        // -o: the lock's descriptor is not passed on to `sleep`, so the lock dies with flock itself.
        using var holder = Process.Start("flock", ["-o", Path.Combine(run, FolderLock.LockFile), "sleep", "600"])!;
        var end = DateTime.UtcNow + Timeout;
        while (!FolderLock.Probe(run).Held)
        {
            Assert.True(DateTime.UtcNow < end && !holder.HasExited, "flock did not take the lock");
            await Task.Delay(20);
        }
        Assert.Throws<FolderLockedException>(() => new RunDirectory(run).Lock("nnclr train --resume"));
        holder.Kill(entireProcessTree: true);
        await holder.WaitForExitAsync();
        // The kernel lets go when the process's descriptors are closed, which may trail its exit status by a moment.
        FolderLock? resumed = null;
        while (resumed is null)
        {
            try { resumed = new RunDirectory(run).Lock("nnclr train --resume"); }
            catch (FolderLockedException) when (DateTime.UtcNow < end) { await Task.Delay(20); }
        }
        using var held = resumed;
        Assert.True(FolderLock.Probe(run).Held);
    }

    [Fact]
    public async Task SecondIngest_IntoLockedFolder_RefusedAndTheFirstsFilesKept()
    {
        var out1 = Path.Combine(_dir, "data");
        using (var held = FolderLock.Acquire(out1, "nnclr ingest folder (the first)"))
        {
            File.WriteAllText(Path.Combine(out1, "train-00000.shard.tmp"), "the first ingest's file being written");
            using var second = new NnclrProcess(_dir, "ingest", "demo", "--out", out1, "--train", "20", "--test", "10");
            Assert.Equal(1, await second.WaitAsync(Timeout));
            Assert.Contains("is in use by another nnclr process", second.Output, StringComparison.Ordinal);
            Assert.Equal("the first ingest's file being written", File.ReadAllText(Path.Combine(out1, "train-00000.shard.tmp")));
            Assert.False(File.Exists(ManifestFile.PathIn(out1)));
        }
    }

    [Fact]
    public async Task DemoPreset_OnAFolderOfTheUsersFiles_NeverWritesThere()
    {
        var data = Path.Combine(_dir, "mydata");
        Directory.CreateDirectory(data);
        var users = new byte[245_000];
        new Random(3).NextBytes(users);
        File.WriteAllBytes(Path.Combine(data, "train-00000.shard"), users); // an ingest whose manifest.json was deleted
        using var train = new NnclrProcess(_dir, "train", "--preset", "demo", "--data", data, "--run-dir", Path.Combine(_dir, "run"));
        Assert.NotEqual(0, await train.WaitAsync(Timeout));
        Assert.Contains("holds files nnclr did not write there (train-00000.shard)", train.Output, StringComparison.Ordinal);
        Assert.Equal(users, File.ReadAllBytes(Path.Combine(data, "train-00000.shard")));
        Assert.Equal(["train-00000.shard"], Directory.GetFiles(data).Select(Path.GetFileName).Where(n => !n!.StartsWith(".nnclr.lock", StringComparison.Ordinal)));
    }
}
