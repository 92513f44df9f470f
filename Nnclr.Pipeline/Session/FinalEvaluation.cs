namespace Nnclr.Pipeline.Session;

/// <summary>
/// The final kNN on the test split, top-1 and top-5 as fractions 0–1 (the unit of every accuracy inside nnclr; only
/// the files and logs show percent, through <see cref="Metrics.FinalEvalPercent"/>), with the random-init baseline when
/// Eval:Baseline asks for it.
/// </summary>
public sealed record FinalEvaluation(double Top1, double Top5, double? RandomInitTop1 = null, double? RandomInitTop5 = null);
