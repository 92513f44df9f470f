namespace Nnclr.Pipeline.Ports;

/// <summary>One evaluation of the backbone during or at the end of a run.</summary>
/// <param name="Kind">What was measured: "knn" (or "linear").</param>
/// <param name="Phase">"periodic" (during training) or "final" (after the last step).</param>
/// <param name="Step">Training steps completed when the backbone was copied for it.</param>
/// <param name="Epoch">Epochs completed then.</param>
/// <param name="Top1">Top-1 accuracy, 0–1.</param>
/// <param name="Top5">Top-5 accuracy, 0–1; NaN when not measured.</param>
/// <param name="Seconds">Wall time of the evaluation.</param>
public sealed record EvaluationResult(string Kind, string Phase, long Step, long Epoch, double Top1, double Top5, double Seconds);
