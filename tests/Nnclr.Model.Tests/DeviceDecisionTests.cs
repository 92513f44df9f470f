using Nnclr.Model.Runtime;

namespace Nnclr.Model.Tests;

/// <summary>TorchRuntime.DecideDevice: every row of the README's device table, on faked machines.</summary>
public sealed class DeviceDecisionTests
{
    private static readonly GpuProbe Gpu = new(true, "nvidia-smi at /stub/nvidia-smi", ["NVIDIA H200, 580.65.06, 143771 MiB"], "13.0");
    private static readonly GpuProbe NoGpu = GpuProbe.None;

    private static DeviceDecision Decide(string requested, bool cuda, GpuProbe machine, string build = "cpu", string? preset = null) =>
        TorchRuntime.DecideDevice(requested, cuda, preset, machine, () => build);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Decide_Cpu_AlwaysCpu(bool gpu) =>
        Assert.Equal(new DeviceDecision("cpu", null), Decide("cpu", cuda: false, gpu ? Gpu : NoGpu));

    [Theory]
    [InlineData("auto", "cuda")]
    [InlineData("cuda", "cuda")]
    [InlineData("cuda:1", "cuda:1")]
    public void Decide_CudaLoads_Cuda(string requested, string expected) =>
        Assert.Equal(new DeviceDecision(expected, null), Decide(requested, cuda: true, Gpu, "cuda 12.8"));

    [Fact]
    public void Decide_AutoWithoutGpu_Cpu() =>
        Assert.Equal(new DeviceDecision("cpu", null), Decide("auto", cuda: false, NoGpu));

    [Fact]
    public void Decide_AutoWithCuda_Cuda() =>
        Assert.Equal(new DeviceDecision("cuda", null), Decide("auto", cuda: true, Gpu, "cuda 12.8"));

    [Fact]
    public void Decide_AutoWithGpuAndCpuOnlyLibTorch_ErrorSayingSo()
    {
        var d = Decide("auto", cuda: false, Gpu, "cpu");

        Assert.Null(d.Device);
        Assert.Equal("Pipeline:Device is 'auto' but CUDA does not load: a GPU is here (nvidia-smi at /stub/nvidia-smi) but this build's libtorch is CPU-only; " +
                     "fix: let ./nnclr build the GPU backend (it does when it sees the GPU; or NNCLR_TORCH_BACKEND=external|cuda ./nnclr ...), or pass --device cpu to train on the CPU", d.Error);
    }

    [Fact]
    public void Decide_GpuPresetWithoutGpu_ErrorNamingPresetAndDeviceCpu()
    {
        var d = Decide("cuda", cuda: false, NoGpu, preset: "cifar10-resnet18");

        Assert.Equal("preset 'cifar10-resnet18' is meant for a GPU (Pipeline:Device=cuda) but CUDA does not load: this machine has no NVIDIA GPU " +
                     "(no nvidia-smi on PATH and no /dev/nvidia0); fix: run it on a GPU machine, or pass --device cpu to train on the CPU", d.Error);
    }

    [Fact]
    public void Decide_CudaBuildThatDidNotInitialise_ErrorPointsAtDriver()
    {
        var d = Decide("cuda", cuda: false, Gpu, "cuda 13.0");

        Assert.StartsWith("Pipeline:Device is 'cuda' but CUDA does not load: a GPU is here (nvidia-smi at /stub/nvidia-smi) and libtorch is a CUDA build (cuda 13.0) but CUDA did not initialise; fix: check the driver", d.Error);
    }

    [Theory]
    [InlineData("2.10.0.0", false)]
    [InlineData("2.10.1", false)]
    [InlineData("2.10", false)]
    [InlineData("2.11.0", true)]
    [InlineData("2.1.0", true)]
    public void LibTorchVersionWarning_OnlyOtherThan210(string version, bool warns) =>
        Assert.Equal(warns, TorchRuntime.LibTorchVersionWarning(version) is not null);

    [Fact]
    public void LibTorchBuild_PipLayout_ReadsCudaFromVersionPy()
    {
        var dir = Directory.CreateTempSubdirectory("nnclr-torchlib-").FullName;
        try
        {
            var lib = Directory.CreateDirectory(Path.Combine(dir, "torch", "lib")).FullName;
            File.WriteAllText(Path.Combine(lib, "libtorch_cpu.so"), "");
            Assert.Equal("cpu", TorchRuntime.LibTorchBuild(Path.Combine(lib, "libtorch_cpu.so")));

            File.WriteAllText(Path.Combine(lib, "libtorch_cuda.so"), "");
            Assert.Equal("cuda", TorchRuntime.LibTorchBuild(Path.Combine(lib, "libtorch_cpu.so")));

            File.WriteAllText(Path.Combine(dir, "torch", "version.py"), "__version__ = '2.11.0+cu130'\ncuda: Optional[str] = '13.0'\n");
            Assert.Equal("cuda 13.0", TorchRuntime.LibTorchBuild(Path.Combine(lib, "libtorch_cpu.so")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void GpuProbe_StubNvidiaSmi_ReadsNameDriverMemoryAndCudaVersion()
    {
        var dir = Directory.CreateTempSubdirectory("nnclr-smi-").FullName;
        try
        {
            var smi = Path.Combine(dir, "nvidia-smi");
            File.WriteAllText(smi, "#!/bin/sh\ncase \"$1\" in --query-gpu*) echo 'NVIDIA H200, 580.65.06, 143771 MiB';; *) echo '| Driver Version: 580.65.06    CUDA Version: 13.0 |';; esac\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(smi, UnixFileMode.UserRead | UnixFileMode.UserExecute);

            var p = GpuProbe.Detect(dir, Path.Combine(dir, "no-such-device"));

            Assert.Equal(new[] { "NVIDIA H200, 580.65.06, 143771 MiB" }, p.Gpus);
            Assert.Equal((true, $"nvidia-smi at {smi}", "13.0"), (p.Present, p.Evidence, p.DriverCudaVersion));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void GpuProbe_DeviceFileOnly_PresentWithoutDetails()
    {
        var dev = Path.GetTempFileName();
        try
        {
            var p = GpuProbe.Detect("/nonexistent", dev);

            Assert.Equal((true, dev, 0), (p.Present, p.Evidence, p.Gpus.Count));
            Assert.False(GpuProbe.Detect("/nonexistent", dev + ".missing").Present);
        }
        finally { File.Delete(dev); }
    }
}
