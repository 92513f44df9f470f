using System.Text.Json;
using System.Text.Json.Serialization;
using Nnclr.Model;

namespace Nnclr.Pipeline.Metrics;

/// <summary>
/// metrics.jsonl read back: its <see cref="MetricsLine"/>s and <see cref="EvalLine"/>s in file order. Tolerates a
/// half-written last line (a run still writing), lines of other events and lines from older builds without the
/// newer fields.
/// </summary>
public static class MetricsJournal
{
    /// <summary>Reads <paramref name="dir"/>'s metrics.jsonl; throws <see cref="FileNotFoundException"/> when it has none.</summary>
    public static (IReadOnlyList<MetricsLine> Intervals, IReadOnlyList<EvalLine> Evaluations) Read(RunDirectory dir)
    {
        var path = dir.Metrics;
        if (!File.Exists(path)) throw new FileNotFoundException($"{dir.Root}: no {RunDirectory.MetricsFile} (not a run directory, or no interval logged yet)");
        var intervals = new List<MetricsLine>();
        var evaluations = new List<EvalLine>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        for (string? line; (line = reader.ReadLine()) is not null;)
        {
            if (line.Length == 0) continue;
            try
            {
                var head = JsonSerializer.Deserialize<LineKind>(line);
                if (head?.Step is null) continue;
                if (head.Event is null) intervals.Add(JsonSerializer.Deserialize<MetricsLine>(line)!);
                else if (head.Event == EvalLine.Event) evaluations.Add(JsonSerializer.Deserialize<EvalLine>(line)!);
            }
            catch (JsonException) { } // a line being written right now, or not one of ours
        }
        return (intervals, evaluations);
    }

    // What a line is: an interval (no event), an evaluation ("eval") or another event; lines without a step are skipped.
    private sealed record LineKind([property: JsonPropertyName("event")] string? Event, [property: JsonPropertyName("step")] long? Step);
}
