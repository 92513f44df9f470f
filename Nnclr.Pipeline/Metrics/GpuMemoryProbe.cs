using System.Diagnostics;
using System.Globalization;

namespace Nnclr.Pipeline.Metrics;

/// <summary>
/// This process's GPU memory as the driver reports it (`nvidia-smi --query-compute-apps=pid,used_memory`): TorchSharp
/// 0.107 exposes no CUDA allocator statistics. Asked at most every <see cref="MaxAge"/> (a scrape must not spawn a
/// process each time), with a timeout; null when nvidia-smi is missing, slow or does not list this process.
/// </summary>
public sealed class GpuMemoryProbe(string executable = "nvidia-smi")
{
    /// <summary>How long an answer is reused.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(10);

    // Serialises queries (collections may overlap).
    private readonly object _gate = new();
    // Last answer (bytes; null = unknown) and when it was taken (Stopwatch timestamp; 0 = never).
    private long? _bytes;
    private long _takenAt;

    /// <summary>Bytes of GPU memory used by <paramref name="pid"/> (default: this process) over every GPU, or null.</summary>
    public long? UsedBytes(int? pid = null)
    {
        lock (_gate)
        {
            if (_takenAt != 0 && Stopwatch.GetElapsedTime(_takenAt) < MaxAge) return _bytes;
            _bytes = Query(pid ?? Environment.ProcessId);
            _takenAt = Stopwatch.GetTimestamp();
            return _bytes;
        }
    }

    private long? Query(int pid)
    {
        try
        {
            var psi = new ProcessStartInfo(executable, ["--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            using var p = Process.Start(psi);
            if (p is null) return null;
            var read = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(2000))
            {
                p.Kill();
                return null;
            }
            return Parse(read.GetAwaiter().GetResult(), pid);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException) { return null; }
    }

    /// <summary>Sums the MiB of <paramref name="pid"/>'s lines ("pid, MiB") of nvidia-smi's CSV; null when it has none.</summary>
    public static long? Parse(string csv, int pid)
    {
        long? total = null;
        foreach (var line in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int p) && p == pid
                && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long mib))
                total = (total ?? 0) + mib * 1024 * 1024;
        }
        return total;
    }
}
