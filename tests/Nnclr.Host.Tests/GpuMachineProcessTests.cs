using System.Diagnostics;
using System.Text.Json;

namespace Nnclr.Host.Tests;

/// <summary>The CPU-libtorch `nnclr` (nnclr.dll beside the tests) on a machine faked to have a GPU (stub nvidia-smi).</summary>
public sealed class GpuMachineProcessTests
{
    private static async Task<(int Code, string Stdout, string Stderr)> Run(FakeMachine m, string workDir, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "nnclr.dll"), .. args])
        { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workDir };
        psi.Environment["PATH"] = m.BinDir + ":" + Environment.GetEnvironmentVariable("PATH");
        psi.Environment["NNCLR_NVIDIA_DEVICE"] = m.DeviceFile;
        psi.Environment["NNCLR_PYTHON"] = Path.Combine(m.BinDir, "python3");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task TrainGpuPreset_StubGpuAndCpuLibTorch_Exit2WithOneLineCauseAndFix()
    {
        using var m = new FakeMachine().WithNvidiaSmi().WithPythonWithoutTorch();
        var work = Directory.CreateTempSubdirectory("nnclr-gpu-train-").FullName;
        try
        {
            var (code, _, stderr) = await Run(m, work, "train", "--preset", "cifar10-resnet18", "--run-dir", Path.Combine(work, "run"));

            Assert.Equal(2, code);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(
                $"nnclr train: preset 'cifar10-resnet18' is meant for a GPU (Pipeline:Device=cuda) but CUDA does not load: a GPU is here (nvidia-smi at {m.BinDir}/nvidia-smi) " +
                "but this build's libtorch is CPU-only; fix: let ./nnclr build the GPU backend (it does when it sees the GPU; or NNCLR_TORCH_BACKEND=external|cuda ./nnclr ...), " +
                "or pass --device cpu to train on the CPU", line);
        }
        finally { Directory.Delete(work, recursive: true); }
    }

    [Fact]
    public async Task TrainAutoDevice_FakeDeviceFileAndCpuLibTorch_Exit2SayingTheLibTorchIsCpuOnly()
    {
        using var m = new FakeMachine().WithDeviceFile();
        var work = Directory.CreateTempSubdirectory("nnclr-gpu-train-").FullName;
        try
        {
            var (code, _, stderr) = await Run(m, work, "train", "--preset", "demo", "--run-dir", Path.Combine(work, "run"));

            Assert.Equal(2, code);
            Assert.Contains($"nnclr train: Pipeline:Device is 'auto' but CUDA does not load: a GPU is here ({m.DeviceFile}) but this build's libtorch is CPU-only", stderr);
        }
        finally { Directory.Delete(work, recursive: true); }
    }

    [Fact]
    public async Task DoctorJson_StubGpuAndCpuLibTorch_ReportsGpuDriverCudaAndRecommendsExternal()
    {
        using var m = new FakeMachine().WithNvidiaSmi().WithPyTorch("13.0");

        var (code, stdout, stderr) = await Run(m, Path.GetTempPath(), "doctor", "--json");

        Assert.True(code == 0, $"doctor exited {code}: {stdout}\n{stderr}");
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        Assert.True(r.GetProperty("gpuPresent").GetBoolean());
        Assert.Equal(["NVIDIA H200, 580.65.06, 143771 MiB"], r.GetProperty("gpus").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("13.0", r.GetProperty("gpuDriverCuda").GetString());
        Assert.Equal("external", r.GetProperty("recommendedBackend").GetString());
        Assert.Contains("PyTorch 2.11.0 with CUDA 13.0 is importable", r.GetProperty("recommendedBecause").GetString());
        Assert.StartsWith("2.10.0", r.GetProperty("libtorchVersion").GetString());
        Assert.Equal("cpu", r.GetProperty("libtorchCudaBuild").GetString());
        Assert.False(r.GetProperty("cudaAvailable").GetBoolean());
        var warning = Assert.Single(NotAboutTheAllocator(r.GetProperty("warnings")));
        Assert.StartsWith($"a GPU is here (nvidia-smi at {m.BinDir}/nvidia-smi) but this build's libtorch is CPU-only", warning);
    }

    [Fact]
    public async Task Doctor_NoGpu_RecommendsCpuWithoutWarnings()
    {
        using var m = new FakeMachine();

        var (code, stdout, _) = await Run(m, Path.GetTempPath(), "doctor", "--json");

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("cpu", doc.RootElement.GetProperty("recommendedBackend").GetString());
        Assert.False(doc.RootElement.GetProperty("gpuPresent").GetBoolean());
        Assert.Empty(NotAboutTheAllocator(doc.RootElement.GetProperty("warnings")));
    }

    // The test process's allocator is inherited (tcmalloc under scripts/test.sh, glibc under a bare `dotnet test`,
    // which doctor rightly warns about); these tests are about the GPU, so that warning is left out.
    private static string?[] NotAboutTheAllocator(JsonElement warnings) =>
        warnings.EnumerateArray().Select(w => w.GetString()).Where(w => w?.StartsWith("glibc malloc:", StringComparison.Ordinal) != true).ToArray();
}
