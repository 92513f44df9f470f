using System.Diagnostics;

namespace Nnclr.Host.Tests;

public sealed class PublishTests
{
    [Fact]
    public async Task PublishExternal_Always_ContainsTorchSharpShimButNoLibTorch()
    {
        var root = RepoRoot();
        var outDir = Path.Combine(Path.GetTempPath(), "nnclr-pub-ext-" + Guid.NewGuid().ToString("N"));
        try
        {
            var psi = new ProcessStartInfo("bash", [Path.Combine(root, "scripts", "publish.sh"), "external", outDir])
            { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = await p.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
            await p.WaitForExitAsync(timeout.Token);
            Assert.True(p.ExitCode == 0, $"publish failed: {stdout}\n{await stderr}");

            var files = Directory.GetFiles(outDir, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToHashSet();
            Assert.Contains("nnclr", files);
            Assert.Contains("TorchSharp.dll", files);
            Assert.Contains("libLibTorchSharp.so", files);
            Assert.DoesNotContain("libtorch_cpu.so", files);
            Assert.DoesNotContain("libtorch.so", files);
            Assert.DoesNotContain("libc10.so", files);
            Assert.DoesNotContain("nnclr.pdb", files);

            await UnloadableLibTorchOnStubGpu_DoctorStillSeesTheGpuAndTrainSaysWhy(outDir);
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    // The external publish with LD_LIBRARY_PATH at a folder without libtorch, on a machine with a stub nvidia-smi
    // (TorchSharp's fallback to the NuGet cache is pointed at an empty folder).
    private static async Task UnloadableLibTorchOnStubGpu_DoctorStillSeesTheGpuAndTrainSaysWhy(string pub)
    {
        using var m = new FakeMachine().WithNvidiaSmi().WithPythonWithoutTorch();
        Directory.CreateDirectory(m.TorchLib);
        var env = m.Environment(("LD_LIBRARY_PATH", m.TorchLib), ("NUGET_PACKAGES", m.TorchLib), ("NNCLR_PYTHON", Path.Combine(m.BinDir, "python3")));
        env["PATH"] = m.BinDir + ":" + Environment.GetEnvironmentVariable("PATH");

        var (code, stdout, stderr) = await FakeMachine.Bash($"'{pub}/nnclr' doctor --json", pub, env);

        Assert.True(code == 3, $"doctor exited {code}: {stdout}\n{stderr}");
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        Assert.False(r.GetProperty("libtorchLoaded").GetBoolean());
        Assert.Contains("no libtorch_cpu.so next to the application or on LD_LIBRARY_PATH", r.GetProperty("error").GetString());
        Assert.True(r.GetProperty("gpuPresent").GetBoolean());
        Assert.Equal("NVIDIA H200, 580.65.06, 143771 MiB", Assert.Single(r.GetProperty("gpus").EnumerateArray()).GetString());
        Assert.Equal("13.0", r.GetProperty("gpuDriverCuda").GetString());
        Assert.Equal("cuda", r.GetProperty("recommendedBackend").GetString());

        var run = Path.Combine(m.TorchLib, "run");
        (code, _, stderr) = await FakeMachine.Bash($"'{pub}/nnclr' train --preset cifar10-resnet18 --run-dir '{run}' >/dev/null", pub, env);

        Assert.Equal(3, code); // exit 3: libtorch could not be loaded (as doctor), now decided before the host starts
        Assert.StartsWith("nnclr train: libtorch could not be loaded: no libtorch_cpu.so next to the application or on LD_LIBRARY_PATH", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    internal static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Nnclr.sln"))) return d.FullName;
        throw new InvalidOperationException($"no Nnclr.sln above {AppContext.BaseDirectory}");
    }
}
