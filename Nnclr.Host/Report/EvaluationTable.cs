using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nnclr.Host.Report;

/// <summary>
/// One evaluation table per run (summary.json "evaluation", the report's "Evaluation" section): every protocol's
/// accuracy on the test split in one unit (percent), each with its random-init row — kNN and the frozen-feature linear
/// probe from the run's final evaluation, fine-tunes added by `nnclr finetune` when it runs on the run's checkpoint.
/// </summary>
public static class EvaluationTable
{
    /// <summary>The unit of every accuracy in the table.</summary>
    public const string Unit = "percent";

    /// <summary>One row: protocol ("knn", "linear", "finetune"), labels used ("all", "1 % (100 images)"), network ("trained", "random init").</summary>
    public sealed record Row(string Protocol, string Labels, string Network, double Top1, double? Top5);

    /// <summary>The kNN and linear-probe rows of a final evaluation (keys knn_top1, knn_top1_random_init, linear_top1, …, in percent).</summary>
    public static List<Row> FromFinalEval(IReadOnlyDictionary<string, double> final)
    {
        var rows = new List<Row>();
        foreach (var protocol in new[] { "knn", "linear" })
            foreach (var (suffix, network) in new[] { ("", "trained"), ("_random_init", "random init") })
                if (final.TryGetValue($"{protocol}_top1{suffix}", out var top1))
                    rows.Add(new Row(protocol, "all", network, top1, final.TryGetValue($"{protocol}_top5{suffix}", out var top5) ? top5 : null));
        return rows;
    }

    /// <summary>Writes "evaluation": {"unit": "percent", "rows": [...]}.</summary>
    public static void Write(Utf8JsonWriter w, IReadOnlyList<Row> rows)
    {
        if (rows.Count == 0) return;
        w.WritePropertyName("evaluation");
        ToNode(rows).WriteTo(w);
    }

    private static JsonObject ToNode(IEnumerable<Row> rows)
    {
        var array = new JsonArray();
        foreach (var r in rows)
            array.Add(new JsonObject
            {
                ["protocol"] = r.Protocol, ["labels"] = r.Labels, ["network"] = r.Network,
                ["top1"] = Math.Round(r.Top1, 2), ["top5"] = r.Top5 is { } t5 ? Math.Round(t5, 2) : null,
            });
        return new JsonObject { ["unit"] = Unit, ["rows"] = array };
    }

    /// <summary>The rows of a summary.json (none when it has no table).</summary>
    public static List<Row> Read(JsonElement summary)
    {
        var rows = new List<Row>();
        if (!summary.TryGetProperty("evaluation", out var e) || !e.TryGetProperty("rows", out var list) || list.ValueKind != JsonValueKind.Array) return rows;
        foreach (var r in list.EnumerateArray())
            if (r.TryGetProperty("top1", out var t1) && t1.ValueKind == JsonValueKind.Number)
                rows.Add(new Row(Text(r, "protocol"), Text(r, "labels"), Text(r, "network"), t1.GetDouble(),
                    r.TryGetProperty("top5", out var t5) && t5.ValueKind == JsonValueKind.Number ? t5.GetDouble() : null));
        return rows;
    }

    private static string Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    /// <summary>
    /// Adds <paramref name="rows"/> to the table of the summary.json at <paramref name="summaryPath"/> (a row with the same
    /// protocol, labels and network is replaced); false, changing nothing, when there is no such file or it is not a JSON object.
    /// </summary>
    public static bool AddTo(string summaryPath, IReadOnlyList<Row> rows)
    {
        if (!File.Exists(summaryPath)) return false;
        JsonObject root;
        try { root = JsonNode.Parse(File.ReadAllText(summaryPath)) as JsonObject ?? throw new JsonException("not an object"); }
        catch (JsonException) { return false; }
        List<Row> merged;
        using (var doc = JsonDocument.Parse(root.ToJsonString())) merged = Read(doc.RootElement);
        merged.RemoveAll(r => rows.Any(n => n.Protocol == r.Protocol && n.Labels == r.Labels && n.Network == r.Network));
        merged.AddRange(rows);
        root["evaluation"] = ToNode(merged);
        Nnclr.Data.AtomicFile.WriteAllText(summaryPath, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return true;
    }

    /// <summary>The table as text lines (the report and the console).</summary>
    public static IEnumerable<string> Lines(IReadOnlyList<Row> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        yield return string.Format(inv, "{0,-9} {1,-22} {2,-12} {3,7} {4,7}", "protocol", "labels", "network", "top-1 %", "top-5 %");
        foreach (var r in rows)
            yield return string.Format(inv, "{0,-9} {1,-22} {2,-12} {3,7:F2} {4,7}", r.Protocol, r.Labels, r.Network, r.Top1, r.Top5 is { } t5 ? t5.ToString("F2", inv) : "-");
    }
}
