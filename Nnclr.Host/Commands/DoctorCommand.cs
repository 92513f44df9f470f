using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Nnclr.Host.Cli;
using Nnclr.Model.Runtime;
using TorchSharp;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr doctor`: what this machine offers nnclr, and the real cause when libtorch cannot load.</summary>
public sealed class DoctorCommand : ICliCommand
{
    public string Name => "doctor";
    public string Summary => "check .NET, libtorch, CUDA, cuDNN, bf16 and the libstdc++ requirement";
    public string Usage => "usage: nnclr doctor [--json]";

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
        int exit = 0;
        try
        {
            TorchRuntime.EnsureLoaded();
            var libPath = TorchRuntime.LoadedLibTorchPath();
            report["libtorchLoaded"] = true;
            report["libtorchVersion"] = torch.__version__;
            report["libtorchPath"] = libPath;
            report["torchBackend"] = libPath is not null && libPath.StartsWith(AppContext.BaseDirectory, StringComparison.Ordinal) ? "bundled" : "external";
            bool cuda = torch.cuda.is_available();
            report["cudaAvailable"] = cuda;
            report["cudaDeviceCount"] = cuda ? torch.cuda.device_count() : 0;
            report["cudnnAvailable"] = cuda && torch.cuda.is_cudnn_available();
            if (cuda) report["gpus"] = QueryNvidiaSmi();
            report["bf16"] = CheckBf16(cuda ? torch.CUDA : torch.CPU);
            report["torchThreads"] = torch.get_num_threads();
        }
        catch (TorchLoadException e)
        {
            report["libtorchLoaded"] = false;
            report["error"] = e.Message;
            exit = 3;
        }
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        else
            foreach (var (k, v) in report)
                Console.WriteLine($"{k,-18} {Format(v)}");
        return Task.FromResult(exit);
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

    /// <summary>Name and memory of each GPU, from nvidia-smi (TorchSharp exposes neither).</summary>
    private static List<string> QueryNvidiaSmi()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("nvidia-smi", "--query-gpu=name,memory.total,driver_version --format=csv,noheader")
            { RedirectStandardOutput = true, RedirectStandardError = true });
            if (p is null) return ["nvidia-smi did not start"];
            var text = p.StandardOutput.ReadToEnd();
            p.WaitForExit(5000);
            return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        }
        catch (Exception e) { return [$"nvidia-smi unavailable: {e.Message}"]; }
    }
}
