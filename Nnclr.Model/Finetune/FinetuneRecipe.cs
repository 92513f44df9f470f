namespace Nnclr.Model;

/// <summary>
/// SimCLR's semi-supervised fine-tuning recipe (Chen et al. 2020, appendix B.5): SGD with Nesterov momentum 0.9, no
/// weight decay, no warm-up, cosine decay to 0, learning rate 0.05 × batch / 256, random crops and flips only.
/// Batch and epochs are scaled to the labelled subset by <see cref="ForSubset"/>.
/// </summary>
/// <param name="BatchSize">Images per step (one view each).</param>
/// <param name="BaseLearningRate">Learning rate per 256 images (peak = base × batch / 256).</param>
/// <param name="Epochs">Passes over the labelled subset.</param>
/// <param name="Momentum">Nesterov momentum.</param>
public sealed record FinetuneRecipe(int BatchSize, double BaseLearningRate, int Epochs, double Momentum = 0.9)
{
    /// <summary>SimCLR's base learning rate (0.8 at batch 4,096).</summary>
    public const double SimClrBaseLearningRate = 0.05;

    /// <summary>Steps a fine-tune takes at least when the epochs are not given (a small subset needs more passes).</summary>
    public const long MinimumSteps = 500;

    /// <summary>
    /// Defaults for <paramref name="subsetSize"/> labelled images: batch a power of two near a quarter of the subset,
    /// 8 to 256 (SimCLR: 4,096 of 12,800–128,000); epochs SimCLR's (60 for ≤ 5 % of the labels, 30 above), raised
    /// until the run takes <see cref="MinimumSteps"/> steps; explicit values win.
    /// </summary>
    public static FinetuneRecipe ForSubset(int subsetSize, double fraction, int? batchSize = null, double? baseLearningRate = null, int? epochs = null)
    {
        if (subsetSize < 2) throw new ArgumentException($"the labelled subset holds {subsetSize} image(s); fine-tuning needs at least 2");
        int batch = batchSize ?? (int)Math.Clamp(1L << (int)Math.Floor(Math.Log2(Math.Max(1, subsetSize / 4))), 8, 256);
        if (batch < 2 || batch > subsetSize)
            throw new ArgumentException($"--batch-size {batch} must be between 2 and the labelled subset's size ({subsetSize})");
        long stepsPerEpoch = subsetSize / batch;
        int e = epochs ?? (int)Math.Max(fraction <= 0.05 ? 60 : 30, (MinimumSteps + stepsPerEpoch - 1) / stepsPerEpoch);
        if (e < 1) throw new ArgumentException($"--epochs must be >= 1, got {e}");
        double lr = baseLearningRate ?? SimClrBaseLearningRate;
        if (!(lr > 0 && lr <= 100)) throw new ArgumentException($"--lr must be in (0, 100], got {lr}");
        return new FinetuneRecipe(batch, lr, e);
    }
}
