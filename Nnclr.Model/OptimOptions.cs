using System.ComponentModel.DataAnnotations;

namespace Nnclr.Model;

/// <summary>Section "Optim": optimiser, batch and schedule, bound directly from configuration and read by <see cref="NnclrTrainer"/>.</summary>
public sealed class OptimOptions
{
    public const string Section = "Optim";

    /// <summary>"lars" (bias and BN excluded from adaptation and decay), "sgd" or "adamw".</summary>
    [AllowedValues("lars", "sgd", "adamw", ErrorMessage = "Optim:Optimizer must be 'lars', 'sgd' or 'adamw'")]
    public string Optimizer { get; set; } = "lars";

    /// <summary>Images per step (each contributes two views); with several ranks, the global batch over all of them.</summary>
    [Range(2, 65536, ErrorMessage = "Optim:BatchSize must be between {1} and {2}")]
    public int BatchSize { get; set; } = 256;

    /// <summary>Base learning rate per 256 images; the peak rate is LearningRate × BatchSize / 256.</summary>
    [Range(1e-6, 100.0, ErrorMessage = "Optim:LearningRate must be between {1} and {2}")]
    public double LearningRate { get; set; } = 0.4;

    [Range(0.0, 1.0, ErrorMessage = "Optim:WeightDecay must be between {1} and {2}")]
    public double WeightDecay { get; set; } = 1e-5;

    [Range(0.0, 0.9999, ErrorMessage = "Optim:Momentum must be between {1} and {2}")]
    public double Momentum { get; set; } = 0.9;

    /// <summary>LARS trust coefficient η.</summary>
    [Range(1e-6, 1.0, ErrorMessage = "Optim:LarsEta must be between {1} and {2}")]
    public double LarsEta { get; set; } = 0.02;

    /// <summary>Linear warm-up epochs, then cosine decay.</summary>
    [Range(0, 10000, ErrorMessage = "Optim:WarmupEpochs must be between {1} and {2}")]
    public int WarmupEpochs { get; set; } = 10;

    /// <summary>Training length in epochs (unless Run:MaxSteps is set).</summary>
    [Range(1, 100000, ErrorMessage = "Optim:Epochs must be between {1} and {2}")]
    public int Epochs { get; set; } = 200;

    /// <summary>
    /// The one statement of the rule "the global batch splits evenly over the ranks" (data-parallel training: each rank
    /// steps on BatchSize / ranks images): null when it holds, else the message naming the setting.
    /// </summary>
    public static string? WorldSizeProblem(int batchSize, int worldSize) =>
        worldSize < 1 ? $"the number of ranks must be positive, got {worldSize}"
        : batchSize % worldSize != 0
            ? $"Optim:BatchSize ({batchSize}) must be a multiple of the number of ranks ({worldSize}): it is the global batch, and each rank steps on Optim:BatchSize / ranks images"
            : null;

    /// <summary>Rules across fields that attributes cannot express.</summary>
    public IEnumerable<string> Problems()
    {
        if (WarmupEpochs >= Epochs && WarmupEpochs > 0)
            yield return $"Optim:WarmupEpochs ({WarmupEpochs}) must be less than Optim:Epochs ({Epochs})";
    }
}
