using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Nnclr.Model.Runtime;

/// <summary>
/// What the machine says about NVIDIA GPUs, independently of libtorch: `nvidia-smi` on PATH and the device file
/// (/dev/nvidia0, or NNCLR_NVIDIA_DEVICE for tests). The same evidence scripts/backend.sh uses to pick a backend.
/// </summary>
public sealed partial record GpuProbe(
    // True when nvidia-smi is on PATH or the device file exists.
    bool Present,
    // How the GPU was seen ("nvidia-smi at /usr/bin/nvidia-smi", "/dev/nvidia0"), or why not.
    string Evidence,
    // One "name, driver, memory" line per GPU from nvidia-smi; empty without it.
    IReadOnlyList<string> Gpus,
    // The driver's CUDA version from nvidia-smi's banner ("13.0"), or null.
    string? DriverCudaVersion)
{
    /// <summary>Environment variable that replaces /dev/nvidia0 (tests fake a GPU with an ordinary file).</summary>
    public const string DeviceFileVariable = "NNCLR_NVIDIA_DEVICE";

    private static readonly Lazy<GpuProbe> Cached = new(() => Detect(Environment.GetEnvironmentVariable("PATH"),
        Environment.GetEnvironmentVariable(DeviceFileVariable) is { Length: > 0 } f ? f : "/dev/nvidia0"));

    /// <summary>This process's machine, probed once.</summary>
    public static GpuProbe Machine => Cached.Value;

    /// <summary>No GPU: what a machine without nvidia-smi and device file reports.</summary>
    public static GpuProbe None { get; } = new(false, "no nvidia-smi on PATH and no /dev/nvidia0", [], null);

    /// <summary>Probes with the given PATH and device file.</summary>
    public static GpuProbe Detect(string? path, string deviceFile)
    {
        var smi = (path ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "nvidia-smi")).FirstOrDefault(File.Exists);
        bool dev = File.Exists(deviceFile);
        if (smi is null)
            return dev ? new GpuProbe(true, deviceFile, [], null) : None with { Evidence = $"no nvidia-smi on PATH and no {deviceFile}" };
        var gpus = Run(smi, "--query-gpu=name,driver_version,memory.total --format=csv,noheader")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var cuda = CudaVersionPattern().Match(Run(smi, ""));
        return new GpuProbe(true, $"nvidia-smi at {smi}" + (dev ? $", {deviceFile}" : ""), gpus, cuda.Success ? cuda.Groups[1].Value : null);
    }

    private static string Run(string exe, string arguments)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(exe, arguments) { RedirectStandardOutput = true, RedirectStandardError = true });
            if (p is null) return "";
            var text = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(10_000)) { p.Kill(); return ""; }
            return p.ExitCode == 0 ? text.Result : "";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return "";
        }
    }

    [GeneratedRegex(@"CUDA Version:\s*([0-9]+(?:\.[0-9]+)*)")]
    private static partial Regex CudaVersionPattern();
}
