using System.Globalization;
using Microsoft.Extensions.Logging;
using Nnclr.Pipeline.Metrics;

namespace Nnclr.Pipeline.Session;

/// <summary>
/// The final evaluation as ONE log event, {"event":"final_eval","knn_top1":…,"knn_top1_random_init":…}, with the names
/// and units of summary.json's final_eval (accuracies in percent, gains in points). Its fields depend on the run (the
/// random-init baseline is optional), which a [LoggerMessage] cannot express; hence a state list.
/// </summary>
public static class FinalEvalLog
{
    /// <summary>The event id of the final evaluation.</summary>
    public static readonly EventId Event = new(7, "final_eval");

    /// <summary>Logs <paramref name="final"/> (nothing when null, e.g. a stop during the evaluation).</summary>
    public static void Write(ILogger logger, FinalEvaluation? final)
    {
        if (final is null || !logger.IsEnabled(LogLevel.Information)) return;
        var fields = FinalEvalPercent.From(final).Fields().Select(kv => new KeyValuePair<string, object?>(kv.Key, kv.Value)).ToList();
        logger.Log(LogLevel.Information, Event, fields, null, (state, _) =>
            "final evaluation: " + string.Join(", ", state.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:G6}"))));
    }
}
