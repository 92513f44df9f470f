using Nnclr.Model;
using System.Globalization;
using System.Text.Json;
using Nnclr.Host.Cli;
using Nnclr.Host.Status;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr status [RUN_DIR] [--json] [--health]`: a running or finished run at a glance, from its status.json heartbeat.</summary>
public sealed class StatusCommand : ICliCommand
{
    /// <summary>The variable naming the run directory when none is given (the same one that sets Run:RunDir for `train`).</summary>
    public const string RunDirVariable = "NNCLR_Run__RunDir";

    public string Name => "status";
    public string Summary => "state, step/total, ETA, loss, images/s, bottleneck, last checkpoint and kNN of a running or finished run";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        CliOption.Switch("json", "One JSON object"),
        CliOption.Switch("health", "One line; exit 0 when training and responsive or ended well (for Docker HEALTHCHECK)"),
    ];
    public IReadOnlyList<CliArgument> Arguments { get; } = [new("RUN_DIR", $"The run directory (default: ${RunDirVariable})", Required: false)];
    public string Usage =>
        "Exit codes: 0 running and responsive, completed or stopped; 1 failed, dead (killed without a record) or not responding;\n" +
        "2 no run there (1 with --health).";

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        bool json = args.Flag("json"), health = args.Flag("health");
        args.EnsureAllUsed();
        var dir = args.Positionals.Count > 0 ? args.Positionals[0] : Environment.GetEnvironmentVariable(RunDirVariable);
        if (string.IsNullOrEmpty(dir)) throw new CliException($"missing argument: the run directory (or set {RunDirVariable})");
        RunHealth h;
        try { h = RunHealth.Read(dir); }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"nnclr status: {e.Message}");
            // Docker reserves exit code 2 of a HEALTHCHECK: with --health "no run" is plain unhealthy.
            return Task.FromResult(health ? 1 : 2);
        }
        if (json) Console.WriteLine(ToJson(h));
        else if (health) Console.WriteLine($"{(h.Healthy ? "healthy" : "unhealthy")}: {h.State}{StepText(h)}");
        else Console.Write(ToText(h));
        return Task.FromResult(h.Healthy ? 0 : 1);
    }

    private static string StepText(RunHealth h) => h.Status is { } s ? $", step {s.Step}/{s.TotalSteps}" : "";

    /// <summary>The human view: one "name  value" line each.</summary>
    public static string ToText(RunHealth h)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<(string, string)> { ("run", h.RunDir) };
        var s = h.Status;
        string process = s is null || h.State is "completed" or "stopped" or "failed" ? "" : h.Alive
            ? $" (pid {s.Pid} alive, heartbeat {h.HeartbeatAgeSeconds:F0} s ago{(h.Responsive ? "" : ", NOT RESPONDING")})"
            : $" (pid {s.Pid} on {s.Host} not running)";
        lines.Add(("state", h.State + process));
        lines.Add(("lock", LockText(h.RunDir)));
        if (s is not null)
        {
            lines.Add(("step", string.Format(inv, "{0} / {1} ({2:F1} %), epoch {3}", s.Step, s.TotalSteps, s.TotalSteps > 0 ? 100.0 * s.Step / s.TotalSteps : 0, s.Epoch)));
            if (s.EtaSeconds is { } eta && h.State is "training" or "evaluating") lines.Add(("eta", FormatDuration(eta)));
            if (s.Loss is { } loss) lines.Add(("loss", loss.ToString("F4", inv)));
            if (s.LearningRate is { } lr) lines.Add(("lr", lr.ToString("G4", inv)));
            if (s.NnAccuracy is { } nn) lines.Add(("nn-acc", (100 * nn).ToString("F1", inv) + " %"));
            if (s.ImagesPerSecond is { } ips) lines.Add(("images/s", ips.ToString("F0", inv)));
            if (s.Bottleneck is { } b) lines.Add(("bottleneck", b));
            lines.Add(("checkpoint", s.LastCheckpointStep is { } cs
                ? string.Format(inv, "step {0} at {1:u} ({2:F2} s to write)", cs, s.LastCheckpointAt, s.LastCheckpointSeconds)
                : "none yet"));
            lines.Add(("knn top-1", s.LastKnnTop1 is { } k ? string.Format(inv, "{0:F2} % ({1}, step {2})", k, s.LastKnnPhase, s.LastKnnStep) : "none yet"));
            lines.Add(("device", s.Device));
            lines.Add(("started", s.StartedAt.ToString("u", inv)));
            if (s.FinishedAt is { } f) lines.Add(("finished", f.ToString("u", inv)));
            if (s.Error is { } err) lines.Add(("error", err));
        }
        else if (h.Summary is { } sum && sum.TryGetProperty("error", out var e)) lines.Add(("error", e.GetString() ?? ""));
        return string.Concat(lines.Select(l => $"{l.Item1,-11} {l.Item2}\n"));
    }

    /// <summary>Who holds the run directory's lock: "held by pid … (nnclr train), since …", or free.</summary>
    public static string LockText(string runDir)
    {
        var (held, holder) = new RunDirectory(runDir).LockHolder();
        return held ? $"held by {holder?.ToString() ?? "a process that has not written its name yet"}"
            : holder is null ? "free" : $"free (last held by {holder}, which ended without releasing its record)";
    }

    /// <summary>The --json view: the heartbeat's fields plus the judgement (state, alive, responsive, healthy).</summary>
    public static string ToJson(RunHealth h)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("run_dir", h.RunDir);
            w.WriteString("state", h.State);
            w.WriteBoolean("alive", h.Alive);
            w.WriteBoolean("responsive", h.Responsive);
            w.WriteBoolean("healthy", h.Healthy);
            w.WriteString("lock", LockText(h.RunDir));
            if (h.HeartbeatAgeSeconds is { } age) w.WriteNumber("heartbeat_age_s", Math.Round(age, 1));
            if (h.Status is { } s)
            {
                w.WritePropertyName("heartbeat");
                using var doc = JsonDocument.Parse(s.ToJson());
                doc.RootElement.WriteTo(w);
            }
            if (h.Summary is { } sum)
            {
                w.WritePropertyName("summary");
                sum.WriteTo(w);
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static string FormatDuration(double seconds) =>
        seconds < 120 ? $"{seconds:F0} s" : seconds < 7200 ? $"{seconds / 60:F1} min" : $"{seconds / 3600:F1} h";
}
