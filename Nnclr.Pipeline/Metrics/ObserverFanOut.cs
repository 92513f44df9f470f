using Nnclr.Model;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Metrics;

/// <summary>Hands every pipeline and evaluation event to several observers, in order (files first, then meters, then the heartbeat).</summary>
public sealed class ObserverFanOut(params IReadOnlyList<object> observers) : IPipelineObserver, IEvaluationObserver
{
    // The observers; each may implement either interface or both.
    private readonly IReadOnlyList<object> _observers = observers;

    public void OnInterval(IntervalMetrics metrics)
    {
        foreach (var o in _observers) (o as IPipelineObserver)?.OnInterval(metrics);
    }

    public void OnCheckpoint(CheckpointMeta meta)
    {
        foreach (var o in _observers) (o as IPipelineObserver)?.OnCheckpoint(meta);
    }

    public void OnEvaluation(EvaluationResult result)
    {
        foreach (var o in _observers) (o as IEvaluationObserver)?.OnEvaluation(result);
    }
}
