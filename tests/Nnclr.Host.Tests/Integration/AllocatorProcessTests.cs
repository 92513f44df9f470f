using System.Diagnostics;
using System.Text.Json;
using Nnclr.Model;

namespace Nnclr.Host.Tests.Integration;

/// <summary>
/// The allocator must not change the maths (issue #21): the same deterministic demo run, once under glibc malloc and
/// once under tcmalloc (each chosen by scripts/allocator.sh, as ./nnclr does, and confirmed by `doctor`), ends in
/// bit-identical checkpoints.
/// </summary>
[Collection("train-process")]
public sealed class AllocatorProcessTests(DemoData demo) : IClassFixture<DemoData>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);
    private static readonly string Root = PublishTests.RepoRoot();

    [TcmallocFact]
    public async Task DeterministicRun_GlibcAndTcmalloc_BitIdenticalCheckpoints()
    {
        var runs = new Dictionary<string, string>();
        foreach (var allocator in new[] { "glibc", "tcmalloc" })
        {
            var (code, output) = await Nnclr(allocator, "doctor", "--json");
            Assert.True(code == 0, output);
            using (var doc = JsonDocument.Parse(output[output.IndexOf('{')..]))
                Assert.Equal(allocator, doc.RootElement.GetProperty("allocator").GetString());
            var run = runs[allocator] = demo.NewRunDir(allocator);
            (code, output) = await Nnclr(allocator, demo.TrainArgs(run, 10, 10));
            Assert.True(code == 0, output);
        }

        var (a, metaA) = CheckpointFile.Read(Path.Combine(runs["glibc"], "checkpoints", "ckpt-000000000010.nnclr"));
        var (b, metaB) = CheckpointFile.Read(Path.Combine(runs["tcmalloc"], "checkpoints", "ckpt-000000000010.nnclr"));
        Assert.Equal((metaA.Step, metaA.Cursor), (metaB.Step, metaB.Cursor));
        Assert.Equal(a.Tensors.Select(t => t.Name), b.Tensors.Select(t => t.Name));
        Assert.Contains(a.Tensors, t => t.Name.StartsWith("model.", StringComparison.Ordinal));
        foreach (var t in a.Tensors)
            Assert.True(t.Data.AsSpan().SequenceEqual(b[t.Name].Data), $"tensor {t.Name} differs between glibc and tcmalloc");
    }

    // Runs nnclr.dll (beside the tests) as ./nnclr would: NNCLR_ALLOCATOR=ALLOCATOR through scripts/allocator.sh.
    private async Task<(int Code, string Output)> Nnclr(string allocator, params string[] args)
    {
        var quoted = string.Join(' ', args.Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        var script = $". '{Path.Combine(Root, "scripts", "allocator.sh")}' && nnclr_choose_allocator && " +
                     $"exec dotnet '{Path.Combine(AppContext.BaseDirectory, "nnclr.dll")}' {quoted}";
        var psi = new ProcessStartInfo("/bin/bash", ["-c", script]) { WorkingDirectory = demo.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["NNCLR_ALLOCATOR"] = allocator;
        psi.Environment["NNCLR_Run__LogFormat"] = "json";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Limit);
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout + await stderr);
    }
}

/// <summary>A fact reported skipped, with the reason, where tcmalloc is not installed (nothing to compare glibc with).</summary>
internal sealed class TcmallocFactAttribute : FactAttribute
{
    public TcmallocFactAttribute()
    {
        if (!File.Exists("/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4") && !File.Exists("/usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4"))
            Skip = "libtcmalloc_minimal.so.4 is not installed (scripts/setup.sh installs libtcmalloc-minimal4): nothing to compare glibc malloc with";
    }
}
