using System.Diagnostics;
using Nnclr.Model;
using Nnclr.Pipeline.Metrics;

namespace Nnclr.Host.Status;

/// <summary>
/// What `nnclr status` says about a run directory: status.json (the heartbeat) read and judged — is the writing process
/// still alive (same host, same pid, same process start time), is it responsive (the heartbeat is fresh), and did the run
/// end. A run whose status.json says training but whose process is gone ended without a record (SIGKILL, OOM, power).
/// </summary>
public sealed record RunHealth(string RunDir, RunStatus? Status, string State, bool Alive, bool Responsive, double? HeartbeatAgeSeconds, RunSummary? Summary)
{
    /// <summary>A heartbeat older than this while the process lives means it stopped responding (the timer rewrites it every 10 s).</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(60);

    /// <summary>True when the run is fine: running and responsive, or ended completed/stopped.</summary>
    public bool Healthy => State is "completed" or "stopped" || ((State is "training" or "evaluating") && Alive && Responsive);

    /// <summary>Reads <paramref name="runDir"/>; throws <see cref="FileNotFoundException"/> when it holds neither status.json nor summary.json.</summary>
    public static RunHealth Read(string runDir, DateTimeOffset? now = null)
    {
        var run = new RunDirectory(runDir);
        var dir = run.Root;
        var status = RunStatus.Load(run);
        var summary = RunSummary.Load(run);
        if (status is null && summary is null)
            throw new FileNotFoundException($"{dir}: no run here (neither {RunDirectory.StatusFile} nor {RunDirectory.SummaryFile})");

        var at = now ?? DateTimeOffset.UtcNow;
        bool alive = status is not null && IsAlive(status);
        double? age = status is null ? null : Math.Max(0, (at - status.UpdatedAt).TotalSeconds);
        bool responsive = alive && age < StaleAfter.TotalSeconds;
        string state;
        // A summary newer than this process's start is the run's last word (e.g. it failed before the heartbeat began).
        bool summaryIsLater = summary is not null && (status is null || summary.FinishedAt >= status.StartedAt);
        if (status is null || (summaryIsLater && !alive)) state = summary is { Status.Length: > 0 } ? summary.Status : "unknown";
        else if (status.State is "training" or "evaluating" && !alive) state = "dead";
        else state = status.State;
        return new RunHealth(dir, status, state, alive, responsive, age, summary);
    }

    // The pid is this host's, still running, and started when the heartbeat says (a reused pid has another start time).
    private static bool IsAlive(RunStatus s)
    {
        if (!string.Equals(s.Host, Environment.MachineName, StringComparison.Ordinal)) return false;
        try
        {
            using var p = Process.GetProcessById(s.Pid);
            if (p.HasExited) return false;
            var started = new DateTimeOffset(p.StartTime.ToUniversalTime(), TimeSpan.Zero);
            return Math.Abs((started - s.ProcessStartedAt).TotalSeconds) < 2;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { return false; }
    }
}
