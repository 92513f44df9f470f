using Nnclr.Model;

namespace Nnclr.Pipeline.Finetune;

/// <summary>
/// What a fine-tune needs beyond its <see cref="Configuration.TrainingConfig"/> (architecture, view size, seed, device,
/// output directory, checkpoint cadence, resume): the labelled data, how the subset is chosen, the recipe and the
/// backbone it starts from.
/// </summary>
public sealed record FinetuneJob
{
    /// <summary>The dataset directory (labelled train and test splits).</summary>
    public required string DataDir { get; init; }
    /// <summary>The labelled images (<see cref="LabelledSubset.Choose"/>).</summary>
    public required LabelledSubset Subset { get; init; }
    /// <summary>Batch, learning rate, epochs (<see cref="FinetuneRecipe.ForSubset"/>).</summary>
    public required FinetuneRecipe Recipe { get; init; }
    /// <summary>The pre-training state whose backbone is fine-tuned; null with <see cref="Weights"/> or for random init.</summary>
    public TrainerState? InitState { get; init; }
    /// <summary>A weights file (torchvision names) whose backbone is fine-tuned.</summary>
    public WeightsFile? Weights { get; init; }
    /// <summary>What the backbone is ("checkpoint PATH (step N)", "random init (preset P, seed S)").</summary>
    public required string Source { get; init; }
    /// <summary>Metadata written into the exported weights (architecture, input size, mean/std, …).</summary>
    public IReadOnlyDictionary<string, string> ExportMetadata { get; init; } = new Dictionary<string, string>();

    /// <summary>The subset's record list in the output directory.</summary>
    public const string SubsetFile = "labels-subset.txt";
    /// <summary>The fine-tuned network (backbone + fc) in the output directory.</summary>
    public const string ExportFile = "finetuned.safetensors";
}
