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

    /// <summary>The report as the record summary.json and `bench pipeline --json` hold.</summary>
    public StageTable ToRecord() => new(BottleneckStage, Stages.Select(s => new StageRow(s.Name, s.Items, Round(s.ItemsPerSecond),
        Round(s.ItemsPerSecond * BatchSize), Round(s.BusySeconds), Round(s.InputWaitSeconds), Round(s.OutputWaitSeconds), Round(s.WallSeconds),
        s.QueueDepth, double.IsNaN(s.AllocatedBytesPerItem) ? null : Round(s.AllocatedBytesPerItem))).ToList());

    /// <summary>Writes the report as one JSON object (<see cref="ToRecord"/>).</summary>
    public void WriteJson(Utf8JsonWriter w) => JsonSerializer.Serialize(w, ToRecord());

    private static double Round(double v) => double.IsFinite(v) ? Math.Round(v, 4) : 0;
}
