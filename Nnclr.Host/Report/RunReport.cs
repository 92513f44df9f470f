using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Nnclr.Data;
using Nnclr.Model;
using Nnclr.Pipeline.Metrics;
using ScottPlot;

namespace Nnclr.Host.Report;

/// <summary>
/// `nnclr report`: one PNG per chart and one self-contained HTML page (the PNGs inlined as data: URIs, no scripts, no
/// network) from a run directory's records: loss, learning rate, NN accuracy, kNN, images/s, each stage's busy share,
/// the bottleneck over time and memory, under a header with the summary and the configuration. Works on a run still
/// writing (it reads what is there).
/// </summary>
public static class RunReport
{
    /// <summary>The report's folder inside the run directory.</summary>

    // Chart size in pixels.
    private const int Width = 900, Height = 360;

    /// <summary>Writes the report for <paramref name="runDir"/> into <paramref name="outDir"/> (default RUN_DIR/report); returns the HTML's path.</summary>
    public static string Write(string runDir, string? outDir = null)
    {
        var record = RunRecord.Load(runDir);
        var dir = Path.GetFullPath(outDir ?? new RunDirectory(record.RunDir).Report);
        Directory.CreateDirectory(dir);
        ReportFonts.EnsureUsable();
        var charts = new List<(string Title, string File)>();
        void Save(string file, string title, Plot plot)
        {
            using (plot)
            {
                plot.Title(title);
                plot.SavePng(Path.Combine(dir, file), Width, Height);
            }
            charts.Add((title, file));
        }

        var iv = record.Intervals;
        double[] steps = iv.Select(i => (double)i.Step).ToArray();
        if (iv.Count > 0)
        {
            Save("loss.png", "Training loss", Line(steps, iv.Select(i => i.Loss), "step", "loss"));
            Save("lr.png", "Learning rate", Line(steps, iv.Select(i => i.LearningRate), "step", "learning rate"));
            Save("nn_acc.png", "Nearest-neighbour accuracy (support set label = sample label)", Line(steps, iv.Select(i => 100 * i.NnAccuracy), "step", "NN accuracy (%)"));
            if (iv.Any(i => i.OnlineTop1 is { } o && double.IsFinite(o)))
                Save("online_top1.png", "Online linear top-1 (training batches, view 1, detached features)", Line(steps, iv.Select(i => 100 * (i.OnlineTop1 ?? double.NaN)), "step", "online linear top-1 (%)"));
        }
        double lastStep = Math.Max(steps.LastOrDefault(), record.Evaluations.Select(e => (double)e.Step).DefaultIfEmpty(0).Max());
        if (record.Evaluations.Count > 0) Save("knn.png", "kNN top-1 on the test split", Knn(record, lastStep));
        if (iv.Count > 0)
        {
            Save("images_per_s.png", "Training throughput", Line(steps, iv.Select(i => i.ImagesPerSecond), "step", "images/s"));
            if (iv.Any(i => i.StageBusy is { Count: > 0 })) Save("stage_busy.png", "Each stage's busy share per log interval", StageBusy(iv, steps));
            if (iv.Any(i => i.Bottleneck is not null)) Save("bottleneck.png", "Bottleneck over time", BottleneckTimeline(iv, steps));
            Save("memory.png", "Process memory (training intervals, then each evaluation's end)", Memory(iv, steps, record.Evaluations));
        }
        var html = Path.Combine(dir, "report.html");
        AtomicFile.WriteAllText(html, Html(record, dir, charts));
        return html;
    }

    private static Plot Line(double[] xs, IEnumerable<double> values, string xLabel, string yLabel)
    {
        var plot = new Plot();
        var (x, y) = Finite(xs, values.ToArray());
        if (x.Length > 0)
        {
            var line = plot.Add.ScatterLine(x, y);
            line.LineWidth = 2;
        }
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    private static Plot Knn(RunRecord r, double lastStep)
    {
        var plot = new Plot();
        foreach (var phase in r.Evaluations.Select(e => e.Phase).Distinct())
        {
            var e = r.Evaluations.Where(v => v.Phase == phase).ToArray();
            var s = plot.Add.Scatter(e.Select(v => (double)v.Step).ToArray(), e.Select(v => v.Top1Percent).ToArray());
            s.LegendText = phase;
            s.MarkerSize = 9;
            s.LineWidth = phase == "periodic" ? 2 : 0;
        }
        if (r.Summary?.FinalEval?.KnnTop1RandomInit is { } baseline)
        {
            var h = plot.Add.HorizontalLine(baseline);
            h.LegendText = "random init";
            h.LinePattern = LinePattern.Dashed;
        }
        plot.Axes.SetLimitsX(0, Math.Max(1, lastStep * 1.03));
        plot.XLabel("step");
        plot.YLabel("top-1 (%)");
        plot.ShowLegend();
        return plot;
    }

    private static Plot StageBusy(IReadOnlyList<MetricsLine> iv, double[] steps)
    {
        var plot = new Plot();
        foreach (var stage in iv.SelectMany(i => i.StageBusy?.Keys ?? Enumerable.Empty<string>()).Distinct())
        {
            var (x, y) = Finite(steps, iv.Select(i => i.StageBusy is { } busy && busy.TryGetValue(stage, out var v) ? 100 * v : double.NaN).ToArray());
            var line = plot.Add.ScatterLine(x, y);
            line.LegendText = stage;
            line.LineWidth = 2;
        }
        plot.Axes.SetLimitsY(0, 105);
        plot.XLabel("step");
        plot.YLabel("busy (% of the interval)");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static Plot BottleneckTimeline(IReadOnlyList<MetricsLine> iv, double[] steps)
    {
        var plot = new Plot();
        var stages = iv.SelectMany(i => i.StageBusy?.Keys ?? Enumerable.Empty<string>()).Concat(iv.Select(i => i.Bottleneck).OfType<string>()).Distinct().ToArray();
        var x = new List<double>();
        var y = new List<double>();
        for (int i = 0; i < iv.Count; i++)
        {
            if (iv[i].Bottleneck is not { } b) continue;
            x.Add(steps[i]);
            y.Add(Array.IndexOf(stages, b));
        }
        var s = plot.Add.Scatter(x.ToArray(), y.ToArray());
        s.LineWidth = 0;
        s.MarkerSize = 8;
        plot.Axes.Left.SetTicks(Enumerable.Range(0, stages.Length).Select(i => (double)i).ToArray(), stages);
        plot.Axes.SetLimitsY(-0.5, stages.Length - 0.5);
        plot.XLabel("step");
        plot.YLabel("stage");
        return plot;
    }

    private static Plot Memory(IReadOnlyList<MetricsLine> iv, double[] steps, IReadOnlyList<EvalLine> evaluations)
    {
        var plot = new Plot();
        foreach (var (name, pick) in new (string, Func<MetricsLine, double>)[]
                 { ("resident (RSS)", i => i.RssMb), ("peak resident (VmHWM)", i => i.RssPeakMb), ("managed heap", i => i.ManagedMb) })
        {
            var (x, y) = Finite(steps, iv.Select(pick).ToArray());
            if (x.Length == 0) continue;
            var line = plot.Add.ScatterLine(x, y);
            line.LegendText = name;
            line.LineWidth = 2;
        }
        // Evaluations (periodic and final kNN) as points at their step: resident and peak at their end.
        foreach (var (name, pick) in new (string, Func<EvalLine, double>)[] { ("RSS after an evaluation", e => e.RssMb), ("peak after an evaluation", e => e.RssPeakMb) })
        {
            var (x, y) = Finite(evaluations.Select(e => (double)e.Step).ToArray(), evaluations.Select(pick).ToArray());
            if (x.Length == 0) continue;
            var points = plot.Add.Scatter(x, y);
            points.LineWidth = 0;
            points.MarkerSize = 9;
            points.LegendText = name;
        }
        plot.XLabel("step");
        plot.YLabel("MiB");
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    // Drops the points whose value is NaN or infinite (a chart cannot draw them).
    private static (double[] X, double[] Y) Finite(double[] xs, double[] ys)
    {
        var keep = Enumerable.Range(0, Math.Min(xs.Length, ys.Length)).Where(i => double.IsFinite(ys[i])).ToArray();
        return (keep.Select(i => xs[i]).ToArray(), keep.Select(i => ys[i]).ToArray());
    }

    private static string Html(RunRecord r, string dir, List<(string Title, string File)> charts)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        string runName = Path.GetFileName(r.RunDir);
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>nnclr run ").Append(E(runName)).Append("</title>\n<style>")
          .Append("body{font-family:sans-serif;margin:24px;max-width:960px;color:#222}table{border-collapse:collapse;margin:8px 0}")
          .Append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:14px}img{display:block;margin:12px 0;border:1px solid #eee}")
          .Append("pre{background:#f6f6f6;padding:8px;font-size:12px;overflow:auto}</style></head><body>\n");
        sb.Append("<h1>nnclr run ").Append(E(runName)).Append("</h1>\n<p>").Append(E(r.RunDir)).Append(" — report written ")
          .Append(E(DateTimeOffset.UtcNow.ToString("u", inv))).Append("</p>\n");
        sb.Append("<h2>Summary</h2>\n<table>");
        if (r.Summary is { } s)
        {
            (string Name, object? Value)[] rows =
            [
                ("status", s.Status), ("preset", s.Preset), ("dataset", s.Dataset), ("device", s.Device), ("steps", s.Steps), ("epoch", s.Epoch),
                ("elapsed_s", s.ElapsedSeconds), ("final_loss", s.FinalLoss), ("final_nn_acc", s.FinalNnAccuracy), ("started_at", s.StartedAt),
                ("finished_at", s.FinishedAt), ("version", s.Version), ("commit", s.Commit), ("libtorch", s.LibTorch), ("host", s.Host), ("error", s.Error),
            ];
            foreach (var (name, value) in rows)
                if (value is not null) Row(sb, name, Scalar(value));
            foreach (var (name, value) in s.FinalEval?.Fields() ?? []) Row(sb, name, Scalar(value));
            if (s.Stages is { } st) Row(sb, "bottleneck (whole run)", st.Bottleneck ?? "null");
        }
        else
        {
            Row(sb, "status", "running (no summary.json yet)");
            if (r.Intervals.Count > 0) Row(sb, "step", r.Intervals[^1].Step.ToString(inv));
        }
        Row(sb, "log intervals", r.Intervals.Count.ToString(inv));
        Row(sb, "evaluations", string.Join(", ", r.Evaluations.Select(e => string.Format(inv, "{0} {1} step {2}: {3:F2} %", e.Kind, e.Phase, e.Step, e.Top1Percent))));
        sb.Append("</table>\n");
        if (r.Summary is { } summary && Report.EvaluationTable.Read(summary) is { Count: > 0 } evaluation)
        {
            sb.Append("<h2>Evaluation (test split, top-1/top-5 in %)</h2>\n<table><tr><th>protocol</th><th>labels</th><th>network</th><th>top-1</th><th>top-5</th></tr>");
            foreach (var e in evaluation)
                sb.Append("<tr><td>").Append(E(e.Protocol)).Append("</td><td>").Append(E(e.Labels)).Append("</td><td>").Append(E(e.Network))
                  .Append("</td><td>").Append(e.Top1.ToString("F2", inv)).Append("</td><td>").Append(e.Top5 is { } t5 ? t5.ToString("F2", inv) : "-").Append("</td></tr>");
            sb.Append("</table>\n");
        }
        foreach (var (title, file) in charts)
        {
            var png = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(dir, file)));
            sb.Append("<img alt=\"").Append(E(title)).Append("\" width=\"").Append(Width).Append("\" height=\"").Append(Height)
              .Append("\" src=\"data:image/png;base64,").Append(png).Append("\">\n");
        }
        if (charts.Count == 0) sb.Append("<p>No interval logged yet.</p>\n");
        if (r.Config is { } c)
        {
            sb.Append("<h2>Configuration</h2>\n<pre>")
              .Append(E(JsonSerializer.Serialize(c, new JsonSerializerOptions { WriteIndented = true }))).Append("</pre>\n");
        }
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    private static void Row(StringBuilder sb, string name, string value) =>
        sb.Append("<tr><th>").Append(E(name)).Append("</th><td>").Append(E(value)).Append("</td></tr>");

    private static string Scalar(object v) => v switch
    {
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        long l => ((double)l).ToString("G6", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
