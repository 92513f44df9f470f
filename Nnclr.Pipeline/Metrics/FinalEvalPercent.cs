using System.Text.Json;
using System.Text.Json.Serialization;
using Nnclr.Pipeline.Session;

namespace Nnclr.Pipeline.Metrics;

/// <summary>
/// summary.json's "final_eval" and the final_eval log event: the <see cref="FinalEvaluation"/> in percent (2 decimals),
/// the gain over random init in points. The only place the final evaluation changes unit.
/// </summary>
public sealed record FinalEvalPercent(
    [property: JsonPropertyName("knn_top1")] double KnnTop1,
    [property: JsonPropertyName("knn_top5")] double KnnTop5,
    [property: JsonPropertyName("knn_top1_random_init")] double? KnnTop1RandomInit = null,
    [property: JsonPropertyName("knn_top5_random_init")] double? KnnTop5RandomInit = null,
    [property: JsonPropertyName("knn_top1_gain_points")] double? KnnTop1GainPoints = null)
{
    /// <summary>Fractions 0–1 to percent.</summary>
    public static FinalEvalPercent From(FinalEvaluation e) => new(Percent(e.Top1), Percent(e.Top5),
        e.RandomInitTop1 is { } b1 ? Percent(b1) : null, e.RandomInitTop5 is { } b5 ? Percent(b5) : null,
        e.RandomInitTop1 is { } b ? Percent(e.Top1 - b) : null);

    /// <summary>(JSON name, value) of each field present, in file order: the log event's fields and the report's rows.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Fields() =>
        JsonSerializer.SerializeToElement(this, FieldsOptions).EnumerateObject().Select(p => new KeyValuePair<string, double>(p.Name, p.Value.GetDouble())).ToList();

    private static double Percent(double fraction) => Math.Round(100 * fraction, 2);

    private static readonly JsonSerializerOptions FieldsOptions = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
}
