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
        _meter.CreateObservableCounter("nnclr.pipeline.stage.items", () => Observe(stages, s => s.Items), "{batch}", "batches finished");
        _meter.CreateObservableGauge("nnclr.pipeline.stage.items_per_second", () => Observe(stages, s => s.ItemsPerSecond), "{batch}/s", "batches per second");
        _meter.CreateObservableCounter("nnclr.pipeline.stage.busy", () => Observe(stages, s => s.BusySeconds), "s", "time busy");
        _meter.CreateObservableCounter("nnclr.pipeline.stage.input_wait", () => Observe(stages, s => s.InputWaitSeconds), "s", "time blocked on input");
        _meter.CreateObservableCounter("nnclr.pipeline.stage.output_wait", () => Observe(stages, s => s.OutputWaitSeconds), "s", "time blocked on output");
        _meter.CreateObservableGauge("nnclr.pipeline.stage.queue_depth", () => Observe(stages, s => s.QueueDepth), "{batch}", "items waiting in the input channel");
    }

    private static IEnumerable<Measurement<T>> Observe<T>(IReadOnlyList<StageMetrics> stages, Func<StageSnapshot, T> pick) where T : struct
    {
        foreach (var m in stages)
            yield return new Measurement<T>(pick(m.Snapshot()), new KeyValuePair<string, object?>("stage", m.Name));
    }

    public void Dispose() => _meter.Dispose();
}
