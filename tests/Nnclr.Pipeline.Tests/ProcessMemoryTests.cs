using System.Globalization;
using System.Text.Json;
using Nnclr.Pipeline.Metrics;
using Nnclr.Pipeline.Ports;
using Nnclr.Pipeline.Session;

namespace Nnclr.Pipeline.Tests;

/// <summary>Issue #28 point 5: metrics.jsonl's rss_mb is the OS's resident set (VmRSS), and the peak (VmHWM) is recorded.</summary>
public sealed class ProcessMemoryTests
{
    private static double StatusMb(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }

    [Fact]
    public void MetricsLine_RssAndPeak_WithinFivePercentOfProcSelfStatus()
    {
        Assert.True(File.Exists("/proc/self/status"), "this check needs Linux's /proc/self/status");
        // 100 MB of native memory touched (as libtorch's tensors are), which the managed heap does not see.
        Nnclr.Model.Runtime.TorchRuntime.EnsureLoaded();
        using var big = TorchSharp.torch.ones(25_000_000);
        var line = MetricsLine.From(new IntervalMetrics(10, 1, 4.2, 0.1, 0.3, 100, new StageReport([], 32))).ToJson();
        double rss = StatusMb("VmRSS"), hwm = StatusMb("VmHWM");
        using var doc = JsonDocument.Parse(line);
        double logged = doc.RootElement.GetProperty("rss_mb").GetDouble(), peak = doc.RootElement.GetProperty("rss_peak_mb").GetDouble();
        Assert.InRange(logged, rss * 0.95, rss * 1.05);
        Assert.InRange(peak, hwm * 0.95, hwm * 1.05);
        Assert.True(logged > 95, $"rss_mb {logged} does not include the 100 MB tensor");
        Assert.True(peak >= logged * 0.99, $"peak {peak} < resident {logged}");
    }
}
