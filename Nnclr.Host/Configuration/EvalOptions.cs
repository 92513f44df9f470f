using System.ComponentModel.DataAnnotations;

namespace Nnclr.Host.Configuration;

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
}
