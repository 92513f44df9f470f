namespace Nnclr.Host.Tests;

/// <summary>scripts/setup.sh's libstdc++ fix on faked systems (os-release, libstdc++ without GLIBCXX_3.4.32), always as a dry run.</summary>
public sealed class SetupScriptTests
{
    private static readonly string Root = PublishTests.RepoRoot();

    private static async Task<(int Code, string Stdout, string Stderr)> Setup(FakeMachine m, string codename, string? stdin, params (string, string)[] env)
    {
        var dir = Path.Combine(m.BinDir, "..");
        File.WriteAllText(Path.Combine(dir, "os-release"), $"ID=x\nVERSION_CODENAME={codename}\n");
        File.WriteAllText(Path.Combine(dir, "libstdc++.so.6"), "GLIBCXX_3.4.30\0GLIBCXX_3.4.31\0");
        var e = m.Environment(env);
        // dotnet and the tools set-up uses come from the real PATH, after the stubs.
        e["PATH"] = m.BinDir + ":" + Environment.GetEnvironmentVariable("PATH");
        e["NNCLR_OS_RELEASE"] = Path.Combine(dir, "os-release");
        e["NNCLR_LIBSTDCXX"] = Path.Combine(dir, "libstdc++.so.6");
        e["NNCLR_SETUP_DRY_RUN"] = "1";
        return await FakeMachine.Bash($"bash '{Path.Combine(Root, "scripts", "setup.sh")}'", Root, e, stdin);
    }

    [Fact]
    public async Task Setup_Ubuntu2204_PrintsPpaAndDockerRoutesAndChangesNothing()
    {
        using var m = new FakeMachine();

        var (code, stdout, stderr) = await Setup(m, "jammy", null);

        Assert.Equal(1, code);
        Assert.Contains("sudo add-apt-repository -y ppa:ubuntu-toolchain-r/test && sudo apt-get update && sudo apt-get install -y --only-upgrade libstdc++6", stderr);
        Assert.Contains("docker build -t nnclr . && docker run --gpus all", stderr);
        Assert.DoesNotContain("would run", stdout);
    }

    [Fact]
    public async Task Setup_Debian12Unattended_InstallsWithoutAsking()
    {
        using var m = new FakeMachine();

        var (code, stdout, _) = await Setup(m, "bookworm", null, ("NNCLR_INTERACTIVE", "0"));

        Assert.Equal(0, code);
        Assert.DoesNotContain("Proceed?", stdout);
        Assert.Contains("[setup] dry run: would run: apt-get install -y -qq -t trixie libstdc++6", stdout);
    }

    [Fact]
    public async Task Setup_Debian12OnATerminalAnsweredNo_SaysWhatAndWhyThenChangesNothing()
    {
        using var m = new FakeMachine();

        var (code, stdout, stderr) = await Setup(m, "bookworm", "n\n", ("NNCLR_INTERACTIVE", "1"));

        Assert.Equal(1, code);
        Assert.Contains("which TorchSharp 0.107's native library needs", stdout);
        Assert.Contains("apt-get install -t trixie libstdc++6 (this also upgrades libc6 to Debian 13's)", stdout);
        Assert.Contains("Proceed? [y/N]", stdout);
        Assert.DoesNotContain("would run", stdout);
        Assert.Contains("[setup] error: nothing changed.", stderr);
    }

    [Fact]
    public async Task Setup_Debian12OnATerminalAnsweredYes_Installs()
    {
        using var m = new FakeMachine();

        var (code, stdout, _) = await Setup(m, "bookworm", "y\n", ("NNCLR_INTERACTIVE", "1"));

        Assert.Equal(0, code);
        Assert.Contains("Proceed? [y/N]", stdout);
        Assert.Contains("[setup] dry run: would run: apt-get install -y -qq -t trixie libstdc++6", stdout);
    }

    [Fact]
    public async Task Setup_CiTrue_CountsAsUnattended()
    {
        using var m = new FakeMachine();

        var (code, stdout, _) = await Setup(m, "bookworm", null, ("CI", "true"));

        Assert.Equal(0, code);
        Assert.DoesNotContain("Proceed?", stdout);
    }

    [Fact]
    public async Task Setup_FreshMachineMissingOptionalLibraries_UpdatesListsOnceBeforeTheFirstInstall()
    {
        // A fresh machine as root: ldconfig lists neither tcmalloc nor TurboJPEG, and apt-get's package lists are stale
        // (the stub refuses an install until `apt-get update` ran, as a real fresh Debian 12 machine did).
        using var m = new FakeMachine();
        var dir = Path.Combine(m.BinDir, "..");
        var log = Path.Combine(dir, "apt.log");
        var updated = Path.Combine(dir, "lists-updated");
        m.WithStub("apt-get", $$"""
            echo "$*" >> '{{log}}'
            case "$1" in
              update) : > '{{updated}}' ;;
              install) [ -f '{{updated}}' ] || { echo "E: Unable to locate package $4" >&2; exit 100; } ;;
            esac
            """);
        m.WithStub("id", "echo 0");
        m.WithStub("ldconfig", "echo \"1 libs found in cache\"");
        File.WriteAllText(Path.Combine(dir, "os-release"), "ID=debian\nVERSION_CODENAME=bookworm\n");
        File.WriteAllText(Path.Combine(dir, "libstdc++.so.6"), "GLIBCXX_3.4.31\0GLIBCXX_3.4.32\0");
        var e = m.Environment(("NNCLR_INTERACTIVE", "0"));
        e["PATH"] = m.BinDir + ":" + Environment.GetEnvironmentVariable("PATH");
        e["NNCLR_OS_RELEASE"] = Path.Combine(dir, "os-release");
        e["NNCLR_LIBSTDCXX"] = Path.Combine(dir, "libstdc++.so.6");
        e["NNCLR_LDCONFIG"] = Path.Combine(m.BinDir, "ldconfig");

        var (code, stdout, stderr) = await FakeMachine.Bash($"bash '{Path.Combine(Root, "scripts", "setup.sh")}'", Root, e);

        Assert.True(code == 0, stdout + stderr);
        // ldconfig lists no libmpi.so.40 either: Open MPI (data-parallel training and its tests) is installed after the same single update.
        Assert.Equal(["update -qq", "install -y -qq libtcmalloc-minimal4", "install -y -qq libturbojpeg0", "install -y -qq openmpi-bin"], File.ReadAllLines(log));
        Assert.DoesNotContain("failed", stdout);
    }
}
