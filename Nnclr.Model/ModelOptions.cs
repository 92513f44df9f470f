namespace Nnclr.Model;

/// <summary>Network shape: backbone architecture and stem, head widths. Bound from the "Model" config section.</summary>
public sealed class ModelOptions
{
    /// <summary>resnet18 | resnet34 | resnet50 | tiny (4-conv CNN for CPU runs).</summary>
    public string Arch { get; set; } = "resnet18";

    /// <summary>cifar (3×3 stride-1 conv, no max-pool) | imagenet (7×7 stride-2 conv + max-pool). Ignored by tiny.</summary>
    public string Stem { get; set; } = "cifar";

    /// <summary>Width of the projector's two hidden layers.</summary>
    public int ProjectorHidden { get; set; } = 2048;

    /// <summary>Embedding width: projector output, predictor output, support-set row width.</summary>
    public int ProjectorOut { get; set; } = 256;

    /// <summary>Width of the predictor's hidden layer.</summary>
    public int PredictorHidden { get; set; } = 4096;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Arch is not ("resnet18" or "resnet34" or "resnet50" or "tiny"))
            throw new ArgumentException($"Model.Arch '{Arch}' is not one of resnet18, resnet34, resnet50, tiny", nameof(Arch));
        if (Stem is not ("cifar" or "imagenet"))
            throw new ArgumentException($"Model.Stem '{Stem}' is not one of cifar, imagenet", nameof(Stem));
        if (ProjectorHidden < 1) throw new ArgumentException($"Model.ProjectorHidden must be positive, got {ProjectorHidden}", nameof(ProjectorHidden));
        if (ProjectorOut < 1) throw new ArgumentException($"Model.ProjectorOut must be positive, got {ProjectorOut}", nameof(ProjectorOut));
        if (PredictorHidden < 1) throw new ArgumentException($"Model.PredictorHidden must be positive, got {PredictorHidden}", nameof(PredictorHidden));
    }
}
