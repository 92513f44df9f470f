using Nnclr.Model;
using System.Text.Json;

namespace Nnclr.Host.Report;

/// <summary>
/// A run directory's records read back for the report: metrics.jsonl's interval lines and evaluation lines,
/// config.resolved.json and summary.json. Tolerates a half-written last line (a run still writing) and lines from older
/// builds without the newer fields.
/// </summary>
public sealed class RunRecord
{
    /// <summary>One log interval.</summary>
    public sealed record Interval(long Step, DateTimeOffset Time, double Loss, double LearningRate, double NnAccuracy, double ImagesPerSecond,
        string? Bottleneck, IReadOnlyDictionary<string, double> StageBusy, double RssMb, double ManagedMb, double RssPeakMb = double.NaN);

    /// <summary>One evaluation (top-1 in %), with the resident set at its end and the peak so far (NaN in older lines).</summary>
    public sealed record Evaluation(string Kind, string Phase, long Step, double Top1, double? Top5, double RssMb = double.NaN, double RssPeakMb = double.NaN);

    public required string RunDir { get; init; }
    public required IReadOnlyList<Interval> Intervals { get; init; }
    public required IReadOnlyList<Evaluation> Evaluations { get; init; }
    /// <summary>config.resolved.json, or null when absent.</summary>
    public JsonElement? Config { get; init; }
    /// <summary>summary.json, or null while the run has not ended.</summary>
    public JsonElement? Summary { get; init; }

    /// <summary>Reads <paramref name="runDir"/>; throws <see cref="FileNotFoundException"/> when it has no metrics.jsonl.</summary>
    public static RunRecord Load(string runDir)
    {
        var run = new RunDirectory(runDir);
        var dir = run.Root;
        var metrics = run.Metrics;
        if (!File.Exists(metrics)) throw new FileNotFoundException($"{dir}: no metrics.jsonl (not a run directory, or no interval logged yet)");
        var intervals = new List<Interval>();
        var evaluations = new List<Evaluation>();
        using (var stream = new FileStream(metrics, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        using (var reader = new StreamReader(stream))
        {
            for (string? line; (line = reader.ReadLine()) is not null;)
            {
                if (line.Length == 0) continue;
                JsonDocument doc;
                try { doc = JsonDocument.Parse(line); }
                catch (JsonException) { continue; } // a line being written right now
                using (doc) Add(doc.RootElement, intervals, evaluations);
            }
        }
        return new RunRecord
        {
            RunDir = dir, Intervals = intervals, Evaluations = evaluations,
            Config = TryJson(run.ResolvedConfig), Summary = TryJson(run.Summary),
        };
    }

    private static void Add(JsonElement r, List<Interval> intervals, List<Evaluation> evaluations)
    {
        if (r.ValueKind != JsonValueKind.Object || !r.TryGetProperty("step", out var stepElement) || !stepElement.TryGetInt64(out long step)) return;
        if (r.TryGetProperty("event", out var ev))
        {
            if (ev.GetString() != "eval") return;
            string kind = Str(r, "kind") ?? "knn";
            if (Num(r, kind + "_top1") is { } top1)
                evaluations.Add(new Evaluation(kind, Str(r, "phase") ?? "", step, top1, Num(r, kind + "_top5"), Num(r, "rss_mb") ?? double.NaN, Num(r, "rss_peak_mb") ?? double.NaN));
            return;
        }
        var busy = new Dictionary<string, double>();
        if (r.TryGetProperty("stage_busy", out var b) && b.ValueKind == JsonValueKind.Object)
            foreach (var p in b.EnumerateObject())
                if (p.Value.TryGetDouble(out var v)) busy[p.Name] = v;
        var time = r.TryGetProperty("time", out var t) && t.TryGetDateTimeOffset(out var when) ? when : DateTimeOffset.MinValue;
        intervals.Add(new Interval(step, time, Num(r, "loss") ?? double.NaN, Num(r, "lr") ?? double.NaN, Num(r, "nn_acc") ?? double.NaN,
            Num(r, "images_per_s") ?? double.NaN, Str(r, "bottleneck"), busy, Num(r, "rss_mb") ?? double.NaN, Num(r, "managed_mb") ?? double.NaN,
            Num(r, "rss_peak_mb") ?? double.NaN));
    }

    private static double? Num(JsonElement r, string name) => r.TryGetProperty(name, out var v) && v.TryGetDouble(out var d) ? d : null;

    private static string? Str(JsonElement r, string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static JsonElement? TryJson(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var doc = JsonDocument.Parse(stream);
            return doc.RootElement.Clone();
        }
        catch (JsonException) { return null; }
    }
}
