using System.Text.Json;
using Nnclr.Model;
using Nnclr.Pipeline.Metrics;

namespace Nnclr.Host.Report;

/// <summary>
/// A run directory's records read back for the report: metrics.jsonl's interval and evaluation lines
/// (<see cref="MetricsJournal"/>), config.resolved.json and summary.json.
/// </summary>
public sealed class RunRecord
{
    public required string RunDir { get; init; }
    public required IReadOnlyList<MetricsLine> Intervals { get; init; }
    public required IReadOnlyList<EvalLine> Evaluations { get; init; }
    /// <summary>config.resolved.json, or null when absent or damaged (shown as it is, never interpreted).</summary>
    public JsonElement? Config { get; init; }
    /// <summary>summary.json, or null while the run has not ended.</summary>
    public RunSummary? Summary { get; init; }

    /// <summary>Reads <paramref name="runDir"/>; throws <see cref="FileNotFoundException"/> when it has no metrics.jsonl.</summary>
    public static RunRecord Load(string runDir)
    {
        var run = new RunDirectory(runDir);
        var (intervals, evaluations) = MetricsJournal.Read(run);
        RunSummary? summary;
        try { summary = RunSummary.Load(run); }
        catch (InvalidDataException) { summary = null; } // a damaged summary leaves its row empty; the charts still come
        return new RunRecord { RunDir = run.Root, Intervals = intervals, Evaluations = evaluations, Config = TryJson(run.ResolvedConfig), Summary = summary };
    }

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
