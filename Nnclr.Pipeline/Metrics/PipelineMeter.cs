using System.Diagnostics.Metrics;

namespace Nnclr.Pipeline.Metrics;

/// <summary>
/// Publishes every stage's counters through <see cref="System.Diagnostics.Metrics"/> (meter
/// <see cref="MeterName"/>, one "stage" tag per measurement), for dotnet-counters or an exporter.
/// Observable instruments: nothing is recorded on the hot path, the counters are read when observed.
/// </summary>
public sealed class PipelineMeter : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Nnclr.Pipeline";

    // Owns the instruments; disposing it ends publication.
    private readonly Meter _meter;

    /// <param name="stages">The stages to publish, in pipeline order.</param>
    /// <param name="scope">The meter's <see cref="Meter.Scope"/>: the pipeline, so listeners can tell runs apart.</param>
    public PipelineMeter(IReadOnlyList<StageMetrics> stages, object? scope)
    {
        _meter = new Meter(new MeterOptions(MeterName) { Scope = scope });
        // Names and units follow OpenTelemetry's conventions: units in the unit field, not the name; time as a counter
        // of seconds (rate() gives the busy share); queue depth as an up-down counter.
        _meter.CreateObservableCounter("nnclr.stage.items", () => Observe(stages, s => s.Items), "{batch}", "Batches the stage has finished");
        _meter.CreateObservableCounter("nnclr.stage.busy.time", () => Observe(stages, s => s.BusySeconds), "s", "Time the stage was working (not waiting for input or output)");
        _meter.CreateObservableCounter("nnclr.stage.wait.time", () => ObserveWaits(stages), "s", "Time the stage was blocked, by wait=input|output");
        _meter.CreateObservableUpDownCounter("nnclr.stage.queue.depth", () => Observe(stages, s => s.QueueDepth), "{batch}", "Items waiting in the stage's input channel");
    }

    private static IEnumerable<Measurement<T>> Observe<T>(IReadOnlyList<StageMetrics> stages, Func<StageSnapshot, T> pick) where T : struct
    {
        foreach (var m in stages)
            yield return new Measurement<T>(pick(m.Snapshot()), new KeyValuePair<string, object?>("stage", m.Name));
    }

    private static IEnumerable<Measurement<double>> ObserveWaits(IReadOnlyList<StageMetrics> stages)
    {
        foreach (var m in stages)
        {
            var s = m.Snapshot();
            yield return new Measurement<double>(s.InputWaitSeconds, new("stage", m.Name), new("wait", "input"));
            yield return new Measurement<double>(s.OutputWaitSeconds, new("stage", m.Name), new("wait", "output"));
        }
    }

    public void Dispose() => _meter.Dispose();
}
