using System.ComponentModel.DataAnnotations;

namespace Nnclr.Pipeline.Configuration;

/// <summary>Section "Eval": kNN monitoring on the test split.</summary>
public sealed class EvalOptions
{
    public const string Section = "Eval";

    /// <summary>kNN accuracy every N epochs (0 = only at the end).</summary>
    [Range(0, 100000, ErrorMessage = "Eval:KnnEveryEpochs must be between {1} and {2}")]
    public int KnnEveryEpochs { get; set; } = 10;

    [Range(1, 10000, ErrorMessage = "Eval:KnnK must be between {1} and {2}")]
    public int KnnK { get; set; } = 200;

    [Range(0.001, 10.0, ErrorMessage = "Eval:KnnTemperature must be between {1} and {2}")]
    public double KnnTemperature { get; set; } = 0.1;

    /// <summary>
    /// On labelled data, train solo-learn's online linear classifier on view 1's detached backbone features in every step
    /// and report its training top-1 (metrics.jsonl online_top1, TensorBoard, status, report); it never changes the
    /// self-supervised maths. Off by itself on unlabelled data.
    /// </summary>
    public bool OnlineLinear { get; set; } = true;

    /// <summary>At the end, also evaluate the same network at random initialisation (the baseline to beat).</summary>
    public bool Baseline { get; set; } = true;

    /// <summary>Training images used as kNN memory for the periodic (not the final) evaluation; 0 = all.</summary>
    [Range(0, 10_000_000, ErrorMessage = "Eval:PeriodicTrainLimit must be between {1} and {2}")]
    public int PeriodicTrainLimit { get; set; }
}
