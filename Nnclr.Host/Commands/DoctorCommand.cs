using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Nnclr.Host.Cli;
using Nnclr.Model.Distributed;
using Nnclr.Model.Runtime;
using TorchSharp;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr doctor`: what this machine offers nnclr, and the real cause when libtorch cannot load.</summary>
public sealed class DoctorCommand : ICliCommand
{
    public string Name => "doctor";
    public string Summary => "check .NET, libtorch, CUDA, cuDNN, bf16, the libstdc++ requirement, Open MPI and NCCL";
    public IReadOnlyList<CliOption> Options { get; } = [SharedOptions.Json];

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        bool json = args.Flag("json");
        args.EnsureAllUsed();
        var report = new Dictionary<string, object?>
        {
            ["dotnet"] = Environment.Version.ToString(),
            ["runtime"] = RuntimeInformation.RuntimeIdentifier,
            ["os"] = RuntimeInformation.OSDescription,
            ["cpuCores"] = Environment.ProcessorCount,
            ["libstdcxx"] = TorchRuntime.LibStdCxxPath(),
            ["glibcxx_3_4_32"] = TorchRuntime.HasRequiredGlibcxx(),
            ["libLibTorchSharp"] = TorchRuntime.LibTorchSharpPath(),
            ["ldLibraryPath"] = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH"),
        };
        // The GPU as the machine sees it, before and independently of libtorch.
        var gpu = GpuProbe.Machine;
        report["gpuPresent"] = gpu.Present;
        report["gpuEvidence"] = gpu.Evidence;
        report["gpus"] = gpu.Gpus;
        report["gpuDriverCuda"] = gpu.DriverCudaVersion;
        report["launcherBackend"] = Environment.GetEnvironmentVariable("NNCLR_BACKEND");
        var allocator = NativeAllocator.Current;
        report["allocator"] = allocator.Name;
        report["allocatorLibrary"] = allocator.Library;
        report["allocatorBecause"] = allocator.Because;
        var (recommended, because) = RecommendedBackend(gpu);
        report["recommendedBackend"] = recommended;
        report["recommendedBecause"] = because;
        var warnings = new List<string>();
        if (allocator.IsSlow)
            warnings.Add("glibc malloc: libtorch's large tensors are unmapped and faulted in again every step, CPU runs about 2x slower; run through ./nnclr (or the published nnclr) with libtcmalloc-minimal4 installed");
        int exit = 0;
        Distributed(report, warnings);
        try
        {
            TorchRuntime.EnsureLoaded();
            var libPath = TorchRuntime.LoadedLibTorchPath();
            string version = torch.__version__;
            string build = TorchRuntime.LibTorchBuild(libPath);
            report["libtorchLoaded"] = true;
            report["libtorchVersion"] = version;
            report["libtorchPath"] = libPath;
            report["libtorchCudaBuild"] = build;
            report["torchBackend"] = libPath is not null && libPath.StartsWith(AppContext.BaseDirectory, StringComparison.Ordinal) ? "bundled" : "external";
            bool cuda = torch.cuda.is_available();
            report["cudaAvailable"] = cuda;
            report["cudaDeviceCount"] = cuda ? torch.cuda.device_count() : 0;
            report["cudnnAvailable"] = cuda && torch.cuda.is_cudnn_available();
            report["bf16"] = CheckBf16(cuda ? torch.CUDA : torch.CPU);
            report["torchThreads"] = torch.get_num_threads();
            if (TorchRuntime.LibTorchVersionWarning(version) is { } w) warnings.Add(w);
            if (gpu.Present && !cuda)
                warnings.Add(build == "cpu"
                    ? $"a GPU is here ({gpu.Evidence}) but this build's libtorch is CPU-only: GPU presets will refuse to run; use the {recommended} backend (NNCLR_TORCH_BACKEND={recommended} ./nnclr ...)"
                    : $"a GPU is here ({gpu.Evidence}) and libtorch is a CUDA build ({build}) but CUDA did not initialise: check the driver supports it and /dev/nvidia* is accessible");
        }
        catch (TorchLoadException e)
        {
            report["libtorchLoaded"] = false;
            report["error"] = e.Message;
            exit = 3;
        }
        report["warnings"] = warnings;
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        else
            foreach (var (k, v) in report)
                Console.WriteLine($"{k,-18} {Format(v)}");
        return Task.FromResult(exit);
    }

    /// <summary>
    /// Data parallel: the launch (mpirun / srun / none, rank and world), Open MPI (library path and MPI_Get_library_version,
    /// callable before MPI_Init) and NCCL (path and version, or why it does not load). Nothing is initialised.
    /// </summary>
    private static void Distributed(Dictionary<string, object?> report, List<string> warnings)
    {
        try
        {
            var launch = LaunchInfo.Current;
            report["launchedBy"] = launch.Launcher;
            report["rank"] = launch.Rank;
            report["worldSize"] = launch.WorldSize;
            report["localRank"] = launch.LocalRank;
        }
        catch (DistributedLaunchException e)
        {
            report["launchedBy"] = "unsupported";
            warnings.Add(e.Message);
        }
        var (mpiPath, mpiVersion, mpiError) = MpiProbe.Probe();
        report["mpiLibrary"] = mpiPath;
        report["mpiVersion"] = mpiVersion ?? mpiError;
        var (ncclPath, ncclVersion, ncclError) = MpiProbe.ProbeNccl();
        report["ncclLibrary"] = ncclPath;
        report["ncclVersion"] = ncclVersion ?? ncclError;
        if (ncclVersion is { } v && Version.TryParse(v, out var nv) && nv.Major == 2 && nv.Minor == 29 && nv.Build is >= 2 and <= 6)
            warnings.Add($"NCCL {v} has a default-stream bug (2.29.2–2.29.6): use another NCCL version for data-parallel GPU training");
        if (mpiError is not null && report["worldSize"] is int and > 1) warnings.Add($"launched as one of several ranks but {mpiError}");
    }

    private static string Format(object? v) => v switch
    {
        null => "-",
        bool b => b ? "yes" : "no",
        IEnumerable<string> list => string.Join("; ", list),
        _ => v.ToString() ?? "-",
    };

    /// <summary>bf16 works when a small bf16 matmul on the device matches fp32 to bf16 precision.</summary>
    private static bool CheckBf16(torch.Device device)
    {
        try
        {
            using var scope = torch.NewDisposeScope();
            var a = torch.arange(0, 16, dtype: torch.float32, device: device).reshape(4, 4) / 16;
            var exact = a.matmul(a);
            var bf = a.to(torch.bfloat16).matmul(a.to(torch.bfloat16)).to(torch.float32);
            // One host sync: the answer is a single boolean.
            return bf.allclose(exact, rtol: 1e-2, atol: 1e-2);
        }
        catch (Exception) { return false; }
    }

    /// <summary>
    /// The backend ./nnclr would choose here (scripts/backend.sh, same rule): cpu without a GPU; with one, external
    /// when a CUDA PyTorch is importable (python3, or NNCLR_PYTHON), else cuda.
    /// </summary>
    private static (string Backend, string Because) RecommendedBackend(GpuProbe gpu)
    {
        if (!gpu.Present) return ("cpu", gpu.Evidence);
        var python = Environment.GetEnvironmentVariable("NNCLR_PYTHON") is { Length: > 0 } py ? py : "python3";
        try
        {
            using var p = Process.Start(new ProcessStartInfo(python, ["-c", "import torch;print(torch.__version__, torch.version.cuda)"])
            { RedirectStandardOutput = true, RedirectStandardError = true });
            if (p is not null)
            {
                var text = p.StandardOutput.ReadToEndAsync();
                if (p.WaitForExit(30_000) && p.ExitCode == 0 && text.Result.Trim().Split(' ') is [var version, var cuda] && cuda != "None")
                    return ("external", $"GPU found ({gpu.Evidence}) and PyTorch {version} with CUDA {cuda} is importable");
            }
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException) { }
        return ("cuda", $"GPU found ({gpu.Evidence}) and no importable CUDA PyTorch ({python})");
    }
}
