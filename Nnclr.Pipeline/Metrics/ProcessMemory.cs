using System.Globalization;

namespace Nnclr.Pipeline.Metrics;

/// <summary>
/// The process's memory as the OS counts it: VmRSS (resident set now) and VmHWM (its peak so far, the "maximum resident
/// set size" /usr/bin/time reports) from /proc/self/status. Libtorch's tensors and the native allocator's pages count,
/// unlike the managed heap. Where /proc is missing: .NET's working set and peak working set.
/// </summary>
public static class ProcessMemory
{
    private const string Status = "/proc/self/status";

    /// <summary>Resident and peak resident bytes of this process now.</summary>
    public static (long Resident, long Peak) Read()
    {
        try
        {
            long rss = -1, hwm = -1;
            foreach (var line in File.ReadLines(Status))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kilobytes(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kilobytes(line);
                if (rss >= 0 && hwm >= 0) return (rss * 1024, hwm * 1024);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return (self.WorkingSet64, self.PeakWorkingSet64);
    }

    /// <summary>Bytes as MiB, one decimal (metrics.jsonl's and summary.json's *_mb fields).</summary>
    public static double Mb(long bytes) => Math.Round(bytes / 1048576.0, 1);

    // "VmRSS:	  123456 kB" → 123456.
    private static long Kilobytes(string line)
    {
        var value = line.AsSpan(line.IndexOf(':') + 1).Trim();
        int space = value.IndexOf(' ');
        return long.Parse(space < 0 ? value : value[..space], NumberStyles.Integer, CultureInfo.InvariantCulture);
    }
}
