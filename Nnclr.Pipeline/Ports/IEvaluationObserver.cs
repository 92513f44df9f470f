namespace Nnclr.Pipeline.Ports;

/// <summary>Receives evaluation results (periodic kNN on its own thread, final kNN after the pipeline). Must be quick and thread-safe.</summary>
public interface IEvaluationObserver
{
    void OnEvaluation(EvaluationResult result);
}
