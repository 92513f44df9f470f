using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Nnclr.Pipeline.Metrics;

/// <summary>All stages' counters at one moment, the bottleneck named; renders as a text table or JSON.</summary>
public sealed class StageReport
{
    public StageReport(IReadOnlyList<StageSnapshot> stages, int batchSize)
    {
        Stages = stages;
        BatchSize = batchSize;
        BottleneckStage = Bottleneck.Find(stages);
    }

    /// <summary>Stages in pipeline order.</summary>
    public IReadOnlyList<StageSnapshot> Stages { get; }

    /// <summary>Images per item, to turn items/s into images/s.</summary>
    public int BatchSize { get; }

    /// <summary>The limiting stage, or null when nothing ran.</summary>
    public string? BottleneckStage { get; }

    /// <summary>A fixed-width table, one row per stage, then the bottleneck line.</summary>
    public string ToTable()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("stage        items   items/s  images/s   busy%  in-wait%  out-wait%  queue  alloc B/item");
        foreach (var s in Stages)
        {
            sb.AppendLine(string.Format(inv, "{0,-10} {1,7} {2,9:F2} {3,9:F0} {4,7:F1} {5,9:F1} {6,10:F1} {7,6} {8,13}",
                s.Name, s.Items, s.ItemsPerSecond, s.ItemsPerSecond * BatchSize, 100 * s.BusyFraction,
                100 * s.InputWaitFraction, 100 * s.OutputWaitFraction, s.QueueDepth,
                double.IsNaN(s.AllocatedBytesPerItem) ? "-" : s.AllocatedBytesPerItem.ToString("F0", inv)));
        }
        sb.Append("bottleneck: ").Append(BottleneckStage ?? "(none)");
        return sb.ToString();
    }

    /// <summary>Writes the report as one JSON object.</summary>
    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("bottleneck", BottleneckStage);
        w.WriteStartArray("stages");
        foreach (var s in Stages)
        {
            w.WriteStartObject();
            w.WriteString("name", s.Name);
            w.WriteNumber("items", s.Items);
            w.WriteNumber("items_per_s", Round(s.ItemsPerSecond));
            w.WriteNumber("images_per_s", Round(s.ItemsPerSecond * BatchSize));
            w.WriteNumber("busy_s", Round(s.BusySeconds));
            w.WriteNumber("input_wait_s", Round(s.InputWaitSeconds));
            w.WriteNumber("output_wait_s", Round(s.OutputWaitSeconds));
            w.WriteNumber("wall_s", Round(s.WallSeconds));
            w.WriteNumber("queue_depth", s.QueueDepth);
            if (double.IsNaN(s.AllocatedBytesPerItem)) w.WriteNull("alloc_bytes_per_item");
            else w.WriteNumber("alloc_bytes_per_item", Round(s.AllocatedBytesPerItem));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The report as a JSON string.</summary>
    public string ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) WriteJson(w);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static double Round(double v) => double.IsFinite(v) ? Math.Round(v, 4) : 0;
}
