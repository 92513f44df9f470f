using System.Text.Json.Serialization;

namespace Nnclr.Pipeline.Metrics;

/// <summary>
/// The stage table as written to summary.json ("stages") and `bench pipeline --json`: the bottleneck and one row per
/// stage. Made by <see cref="StageReport.ToRecord"/>; figures rounded to 4 decimals.
/// </summary>
public sealed record StageTable(
    [property: JsonPropertyName("bottleneck"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Bottleneck,
    [property: JsonPropertyName("stages")] IReadOnlyList<StageRow> Stages);

/// <summary>One stage's row: items, items/s and images/s, busy and waiting seconds, queue depth, bytes allocated per item (null: not measured).</summary>
public sealed record StageRow(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("items")] long Items,
    [property: JsonPropertyName("items_per_s")] double ItemsPerSecond,
    [property: JsonPropertyName("images_per_s")] double ImagesPerSecond,
    [property: JsonPropertyName("busy_s")] double BusySeconds,
    [property: JsonPropertyName("input_wait_s")] double InputWaitSeconds,
    [property: JsonPropertyName("output_wait_s")] double OutputWaitSeconds,
    [property: JsonPropertyName("wall_s")] double WallSeconds,
    [property: JsonPropertyName("queue_depth")] int QueueDepth,
    [property: JsonPropertyName("alloc_bytes_per_item"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? AllocatedBytesPerItem);
