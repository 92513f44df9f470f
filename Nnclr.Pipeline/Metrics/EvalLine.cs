using System.Text.Json;
using System.Text.Json.Serialization;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Metrics;

/// <summary>
/// One evaluation: a line of metrics.jsonl marked "event":"eval", written by <see cref="Session.MetricsLog"/> and
/// read back by <see cref="MetricsJournal"/>. Accuracies are in % (2 decimals); the file names them after the kind
/// ("knn_top1", "knn_top5"), so the line is (de)serialised by <see cref="Converter"/>, the only code that knows its shape.
/// </summary>
[JsonConverter(typeof(Converter))]
public sealed record EvalLine(DateTimeOffset Time, string Kind, string Phase, long Step, long Epoch, double Top1Percent, double? Top5Percent, double Seconds)
{
    /// <summary>The process's resident set at the evaluation's end, MiB (VmRSS); NaN in older lines.</summary>
    public double RssMb { get; init; } = double.NaN;
    /// <summary>The process's peak resident set so far, MiB (VmHWM), evaluation included; NaN in older lines.</summary>
    public double RssPeakMb { get; init; } = double.NaN;

    /// <summary>The value of the line's "event" field.</summary>
    public const string Event = "eval";

    /// <summary>The line for <paramref name="r"/> (fractions 0–1) now.</summary>
    public static EvalLine From(EvaluationResult r)
    {
        var (resident, peak) = ProcessMemory.Read();
        return new(DateTimeOffset.UtcNow, r.Kind, r.Phase, r.Step, r.Epoch,
            Math.Round(100 * r.Top1, 2), double.IsFinite(r.Top5) ? Math.Round(100 * r.Top5, 2) : null, Math.Round(r.Seconds, 2))
        { RssMb = ProcessMemory.Mb(resident), RssPeakMb = ProcessMemory.Mb(peak) };
    }

    /// <summary>One line of JSON (no newline).</summary>
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>{"time", "event":"eval", "kind", "phase", "step", "epoch", "&lt;kind&gt;_top1", "&lt;kind&gt;_top5"?, "seconds"}.</summary>
    public sealed class Converter : JsonConverter<EvalLine>
    {
        public override void Write(Utf8JsonWriter w, EvalLine e, JsonSerializerOptions options)
        {
            w.WriteStartObject();
            w.WriteString("time", e.Time);
            w.WriteString("event", Event);
            w.WriteString("kind", e.Kind);
            w.WriteString("phase", e.Phase);
            w.WriteNumber("step", e.Step);
            w.WriteNumber("epoch", e.Epoch);
            w.WriteNumber(e.Kind + "_top1", e.Top1Percent);
            if (e.Top5Percent is { } top5) w.WriteNumber(e.Kind + "_top5", top5);
            w.WriteNumber("seconds", e.Seconds);
            if (double.IsFinite(e.RssMb)) w.WriteNumber("rss_mb", e.RssMb);
            if (double.IsFinite(e.RssPeakMb)) w.WriteNumber("rss_peak_mb", e.RssPeakMb);
            w.WriteEndObject();
        }

        /// <summary>Older lines may lack epoch, seconds or kind (then "knn"); a line without a step or top-1 is not an evaluation (JsonException).</summary>
        public override EvalLine Read(ref Utf8JsonReader r, Type typeToConvert, JsonSerializerOptions options)
        {
            if (r.TokenType != JsonTokenType.StartObject) throw new JsonException("an evaluation line is a JSON object");
            DateTimeOffset time = DateTimeOffset.MinValue;
            string kind = "knn", phase = "";
            long? step = null;
            long epoch = 0;
            double seconds = double.NaN, rss = double.NaN, rssPeak = double.NaN;
            // "<kind>_top1/5" may come before "kind" is known: keep every accuracy by its name.
            var accuracies = new Dictionary<string, double>(StringComparer.Ordinal);
            while (r.Read() && r.TokenType != JsonTokenType.EndObject)
            {
                var name = r.GetString()!;
                r.Read();
                switch (name)
                {
                    case "time" when r.TokenType == JsonTokenType.String && r.TryGetDateTimeOffset(out var t): time = t; break;
                    case "kind" when r.TokenType == JsonTokenType.String: kind = r.GetString()!; break;
                    case "phase" when r.TokenType == JsonTokenType.String: phase = r.GetString()!; break;
                    case "step" when r.TokenType == JsonTokenType.Number && r.TryGetInt64(out var s): step = s; break;
                    case "epoch" when r.TokenType == JsonTokenType.Number && r.TryGetInt64(out var ep): epoch = ep; break;
                    case "seconds" when r.TokenType == JsonTokenType.Number: seconds = r.GetDouble(); break;
                    case "rss_mb" when r.TokenType == JsonTokenType.Number: rss = r.GetDouble(); break;
                    case "rss_peak_mb" when r.TokenType == JsonTokenType.Number: rssPeak = r.GetDouble(); break;
                    case var n when (n.EndsWith("_top1", StringComparison.Ordinal) || n.EndsWith("_top5", StringComparison.Ordinal))
                                    && r.TokenType == JsonTokenType.Number:
                        accuracies[n] = r.GetDouble();
                        break;
                    default: r.Skip(); break;
                }
            }
            if (step is null) throw new JsonException("an evaluation line without a step");
            if (!accuracies.TryGetValue(kind + "_top1", out var top1)) throw new JsonException($"an evaluation line without {kind}_top1");
            return new EvalLine(time, kind, phase, step.Value, epoch, top1, accuracies.TryGetValue(kind + "_top5", out var top5) ? top5 : null, seconds)
                { RssMb = rss, RssPeakMb = rssPeak };
        }
    }
}
