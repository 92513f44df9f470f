namespace Nnclr.Host.Tests;

/// <summary>scripts/backend.sh, the launcher's and set-up's backend decision, on faked machines (README: decision table).</summary>
public sealed class BackendScriptTests
{
    private static readonly string Root = PublishTests.RepoRoot();

    private static async Task<(int Code, string Backend, string Lib, string Reason)> Choose(FakeMachine m, params (string, string)[] env)
    {
        var script = $". '{Path.Combine(Root, "scripts", "backend.sh")}'; nnclr_choose_backend; rc=$?; " +
                     "printf '%s|%s|%s|%s' \"$rc\" \"$NNCLR_BACKEND\" \"$NNCLR_TORCH_LIB\" \"$NNCLR_BACKEND_REASON\"";
        var (code, stdout, stderr) = await FakeMachine.Bash(script, Root, m.Environment(env));
        Assert.True(code == 0, $"bash failed: {stdout}\n{stderr}");
        var parts = stdout.Split('|', 4);
        return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), parts[1], parts[2], parts[3]);
    }

    [Fact]
    public async Task Choose_NoGpu_CpuWithoutAskingPython()
    {
        using var m = new FakeMachine().WithPyTorch("13.0");

        var r = await Choose(m);

        Assert.Equal((0, "cpu"), (r.Code, r.Backend));
        Assert.StartsWith("no NVIDIA GPU (no nvidia-smi on PATH, no ", r.Reason);
        Assert.False(File.Exists(m.PythonAskedMarker));
    }

    [Fact]
    public async Task Choose_GpuAndCudaPyTorch_ExternalWithItsLibTorch()
    {
        using var m = new FakeMachine().WithNvidiaSmi().WithPyTorch("13.0");

        var r = await Choose(m);

        Assert.Equal((0, "external", m.TorchLib), (r.Code, r.Backend, r.Lib));
        Assert.Equal($"GPU found (nvidia-smi at {m.BinDir}/nvidia-smi) and PyTorch with CUDA 13.0 is importable: using its libtorch at {m.TorchLib}", r.Reason);
    }

    [Fact]
    public async Task Choose_DeviceFileOnlyAndNoPyTorch_CudaPackage()
    {
        using var m = new FakeMachine().WithDeviceFile().WithPythonWithoutTorch();

        var r = await Choose(m);

        Assert.Equal((0, "cuda", ""), (r.Code, r.Backend, r.Lib));
        Assert.Equal($"GPU found ({m.DeviceFile}) and no importable PyTorch: using the libtorch-cuda-12.8 NuGet package", r.Reason);
    }

    [Fact]
    public async Task Choose_GpuAndCpuOnlyPyTorch_CudaPackage()
    {
        using var m = new FakeMachine().WithNvidiaSmi().WithPyTorch("None");

        var r = await Choose(m);

        Assert.Equal((0, "cuda"), (r.Code, r.Backend));
        Assert.Contains("but the importable PyTorch is CPU-only: using the libtorch-cuda-12.8 NuGet package", r.Reason);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("cuda")]
    public async Task Choose_Override_WinsOverTheMachine(string backend)
    {
        using var m = new FakeMachine().WithNvidiaSmi().WithPyTorch("13.0");

        var r = await Choose(m, ("NNCLR_TORCH_BACKEND", backend));

        Assert.Equal((0, backend, $"NNCLR_TORCH_BACKEND={backend}"), (r.Code, r.Backend, r.Reason));
    }

    [Fact]
    public async Task Choose_ExternalOverrideOnCpuMachineWithPyTorch_External()
    {
        using var m = new FakeMachine().WithPyTorch("None");

        var r = await Choose(m, ("NNCLR_TORCH_BACKEND", "external"));

        Assert.Equal((0, "external", m.TorchLib), (r.Code, r.Backend, r.Lib));
    }

    [Fact]
    public async Task Choose_ExternalOverrideWithoutPyTorch_Exit2NamingTheFix()
    {
        using var m = new FakeMachine().WithNvidiaSmi().WithPythonWithoutTorch();

        var r = await Choose(m, ("NNCLR_TORCH_BACKEND", "external"));

        Assert.Equal((2, ""), (r.Code, r.Backend));
        Assert.StartsWith("NNCLR_TORCH_BACKEND=external needs a PyTorch that 'python3 -c \"import torch\"' finds", r.Reason);
    }

    [Fact]
    public async Task Choose_UnknownOverride_Exit2()
    {
        using var m = new FakeMachine();

        var r = await Choose(m, ("NNCLR_TORCH_BACKEND", "rocm"));

        Assert.Equal((2, "NNCLR_TORCH_BACKEND must be cpu, cuda or external (got 'rocm')"), (r.Code, r.Reason));
    }

    [Fact]
    public async Task Announce_SameChoiceTwice_PrintedOnce()
    {
        using var m = new FakeMachine().WithNvidiaSmi().WithPythonWithoutTorch();
        var record = Path.Combine(m.BinDir, "..", "choice");
        var script = $". '{Path.Combine(Root, "scripts", "backend.sh")}'; nnclr_choose_backend; " +
                     $"nnclr_announce_backend '{record}'; nnclr_announce_backend '{record}'; " +
                     $"NNCLR_TORCH_BACKEND=cpu nnclr_choose_backend; nnclr_announce_backend '{record}'";

        var (code, _, stderr) = await FakeMachine.Bash(script, Root, m.Environment());

        Assert.Equal(0, code);
        Assert.Equal(
            $"[nnclr] torch backend: cuda (GPU found (nvidia-smi at {m.BinDir}/nvidia-smi) and no importable PyTorch: using the libtorch-cuda-12.8 NuGet package)\n" +
            "[nnclr] torch backend: cpu (NNCLR_TORCH_BACKEND=cpu)\n", stderr);
    }

    [Theory]
    [InlineData("cpu", "Nnclr.Host/bin/Release/net10.0")]
    [InlineData("external", "obj/external/Nnclr.Host/bin/Release/net10.0")]
    [InlineData("cuda", "obj/cuda/Nnclr.Host/bin/Release/net10.0")]
    public async Task OutDir_EachBackend_OwnFolder(string backend, string expected)
    {
        using var m = new FakeMachine();
        var script = $". '{Path.Combine(Root, "scripts", "backend.sh")}'; nnclr_backend_outdir /r {backend}";

        var (_, stdout, _) = await FakeMachine.Bash(script, Root, m.Environment());

        Assert.Equal("/r/" + expected, stdout);
    }

    [Fact]
    public async Task Launcher_UnknownOverride_Exit2BeforeBuilding()
    {
        using var m = new FakeMachine();
        var env = m.Environment(("NNCLR_TORCH_BACKEND", "rocm"));
        env["PATH"] = m.BinDir + ":" + Environment.GetEnvironmentVariable("PATH");

        var (code, _, stderr) = await FakeMachine.Bash($"'{Path.Combine(Root, "nnclr")}' doctor", Root, env);

        Assert.Equal(2, code);
        Assert.EndsWith("[nnclr] error: NNCLR_TORCH_BACKEND must be cpu, cuda or external (got 'rocm')\n", stderr);
    }

    /// <summary>Issue #28 point 6: the launcher's build log is the clone's own (obj/nnclr-build.log), not a shared /tmp file two clones race on.</summary>
    [Fact]
    public async Task Launcher_BuildFails_ShowsTheLogKeptInTheClonesObjFolder()
    {
        using var m = new FakeMachine();
        var clone = Directory.CreateTempSubdirectory("nnclr-clone-").FullName;
        try
        {
            File.Copy(Path.Combine(Root, "nnclr"), Path.Combine(clone, "nnclr"));
            Directory.CreateDirectory(Path.Combine(clone, "scripts"));
            foreach (var script in Directory.GetFiles(Path.Combine(Root, "scripts"), "*.sh"))
                File.Copy(script, Path.Combine(clone, "scripts", Path.GetFileName(script)));
            Directory.CreateDirectory(Path.Combine(clone, "obj"));
            // Set-up done: the launcher's stamp (the check also needs this machine's libstdc++).
            var stamp = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Path.Combine(Root, "nnclr")), "setup_stamp=\"\\$root/obj/([^\"]+)\"").Groups[1].Value;
            Assert.NotEmpty(stamp);
            File.WriteAllText(Path.Combine(clone, "obj", stamp), "");
            var dotnet = Path.Combine(m.BinDir, "dotnet");
            File.WriteAllText(dotnet, $"#!/bin/sh\necho \"fake build error in $PWD\"\nexit 1\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var env = m.Environment(("NNCLR_TORCH_BACKEND", "cpu"));
            env["PATH"] = m.BinDir + ":" + Environment.GetEnvironmentVariable("PATH");

            var (code, _, stderr) = await FakeMachine.Bash($"bash '{Path.Combine(clone, "nnclr")}' doctor", clone, env);

            Assert.Equal(1, code);
            Assert.Contains("fake build error", stderr);
            Assert.Contains("fake build error", File.ReadAllText(Path.Combine(clone, "obj", "nnclr-build.log")));
        }
        finally { Directory.Delete(clone, recursive: true); }
    }
}
