namespace Nnclr.Host.Tests;

/// <summary>scripts/allocator.sh, the allocator ./nnclr, the published launcher and scripts/test.sh run libtorch with, on faked machines.</summary>
public sealed class AllocatorScriptTests
{
    private static readonly string Root = PublishTests.RepoRoot();

    // Runs nnclr_choose_allocator with exactly ENV; returns its exit code, choice, reason, and the LD_PRELOAD and MALLOC_MMAP_MAX_ it leaves.
    private static async Task<(int Code, string Active, string Reason, string Preload, string MmapMax)> Choose(params (string, string)[] env)
    {
        using var m = new FakeMachine();
        var script = $". '{Path.Combine(Root, "scripts", "allocator.sh")}'; nnclr_choose_allocator; rc=$?; " +
                     "printf '%s|%s|%s|%s|%s' \"$rc\" \"$NNCLR_ALLOCATOR_ACTIVE\" \"${LD_PRELOAD-<unset>}\" \"${MALLOC_MMAP_MAX_-<unset>}\" \"$NNCLR_ALLOCATOR_REASON\"";
        var (code, stdout, stderr) = await FakeMachine.Bash(script, Root, m.Environment(env));
        Assert.True(code == 0, $"bash failed: {stdout}\n{stderr}");
        var p = stdout.Split('|', 5);
        return (int.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), p[1], p[4], p[2], p[3]);
    }

    // A file standing for an installed libtcmalloc_minimal.so.4 (the script only checks that it exists).
    private static string FakeTcmalloc()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("nnclr-tcmalloc-").FullName, "libtcmalloc_minimal.so.4");
        File.WriteAllText(path, "");
        return path;
    }

    [Fact]
    public async Task Choose_TcmallocInstalled_AppendedToTheUsersPreload()
    {
        var lib = FakeTcmalloc();

        var r = await Choose(("NNCLR_TCMALLOC_LIB", lib), ("LD_PRELOAD", "/opt/mine.so"));

        Assert.Equal((0, "tcmalloc", $"/opt/mine.so:{lib}", "<unset>"), (r.Code, r.Active, r.Preload, r.MmapMax));
        Assert.StartsWith($"tcmalloc installed ({lib})", r.Reason);
    }

    [Fact]
    public async Task Choose_TcmallocAlreadyPreloaded_KeptAsIs()
    {
        var lib = FakeTcmalloc();

        var r = await Choose(("NNCLR_TCMALLOC_LIB", lib), ("LD_PRELOAD", lib));

        Assert.Equal((0, "tcmalloc", lib, $"LD_PRELOAD already has tcmalloc ({lib})"), (r.Code, r.Active, r.Preload, r.Reason));
    }

    [Fact]
    public async Task Choose_NotInstalled_GlibcTunedNotToUnmap()
    {
        var r = await Choose(("NNCLR_TCMALLOC_LIB", ""));

        Assert.Equal((0, "glibc-tuned", "<unset>", "0"), (r.Code, r.Active, r.Preload, r.MmapMax));
        Assert.Contains("apt-get install libtcmalloc-minimal4", r.Reason);
    }

    [Fact]
    public async Task Choose_GlibcOverride_RemovesAnInheritedTcmallocKeepsTheRest()
    {
        var lib = FakeTcmalloc();

        var r = await Choose(("NNCLR_TCMALLOC_LIB", lib), ("NNCLR_ALLOCATOR", "glibc"), ("LD_PRELOAD", $"/opt/mine.so:{lib}"));

        Assert.Equal((0, "glibc", "/opt/mine.so", "<unset>"), (r.Code, r.Active, r.Preload, r.MmapMax));
        Assert.StartsWith("NNCLR_ALLOCATOR=glibc", r.Reason);
    }

    [Fact]
    public async Task Choose_TcmallocOverrideNotInstalled_Exit2NamingThePackage()
    {
        var r = await Choose(("NNCLR_TCMALLOC_LIB", ""), ("NNCLR_ALLOCATOR", "tcmalloc"));

        Assert.Equal((2, ""), (r.Code, r.Active));
        Assert.Equal("NNCLR_ALLOCATOR=tcmalloc but libtcmalloc_minimal.so.4 is not installed (apt-get install libtcmalloc-minimal4)", r.Reason);
    }

    [Fact]
    public async Task Choose_UnknownOverride_Exit2()
    {
        var r = await Choose(("NNCLR_ALLOCATOR", "jemalloc"));

        Assert.Equal((2, "NNCLR_ALLOCATOR must be tcmalloc, glibc-tuned or glibc (got 'jemalloc')"), (r.Code, r.Reason));
    }

    [Fact]
    public void Probe_MapsWithTcmalloc_NamesItAndTheLaunchersReason()
    {
        const string maps = "7f00-7f01 r-xp 00000000 08:01 42 /usr/lib/x86_64-linux-gnu/libc.so.6\n" +
                            "7f02-7f03 r-xp 00000000 08:01 43 /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.10\n";
        var env = new Dictionary<string, string> { ["NNCLR_ALLOCATOR_REASON"] = "because" };

        var a = Nnclr.Model.Runtime.NativeAllocator.Probe(maps, k => env.GetValueOrDefault(k));

        Assert.Equal(("tcmalloc", "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.10", "because"), (a.Name, a.Library, a.Because));
        Assert.False(a.IsSlow);
    }

    [Fact]
    public void Probe_GlibcWithoutLauncher_SaysSoAndTuningIsSeen()
    {
        const string maps = "7f00-7f01 r-xp 00000000 08:01 42 /usr/lib/x86_64-linux-gnu/libc.so.6\n";

        var plain = Nnclr.Model.Runtime.NativeAllocator.Probe(maps, _ => null);
        var tuned = Nnclr.Model.Runtime.NativeAllocator.Probe(maps, k => k == "MALLOC_MMAP_MAX_" ? "0" : null);

        Assert.Equal(("glibc", null), (plain.Name, plain.Library));
        Assert.StartsWith("started without ./nnclr or the published launcher", plain.Because);
        Assert.Equal("glibc-tuned", tuned.Name);
    }

    [Fact]
    public void ReleaseFreeMemory_ThisProcess_FindsItsAllocatorsEntryPoint()
    {
        // tcmalloc under scripts/test.sh (its MallocExtension_ReleaseFreeMemory export), glibc's malloc_trim otherwise.
        var current = Nnclr.Model.Runtime.NativeAllocator.Current;

        Assert.True(current.ReleaseFreeMemory(), $"no release entry point for {current.Name} ({current.Library})");
    }
}
