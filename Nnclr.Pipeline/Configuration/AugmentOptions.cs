using System.ComponentModel.DataAnnotations;

namespace Nnclr.Pipeline.Configuration;

/// <summary>Section "Augment": the BYOL two-view policy.</summary>
public sealed class AugmentOptions
{
    public const string Section = "Augment";

    /// <summary>Side of each augmented view, pixels.</summary>
    [Range(8, 1024, ErrorMessage = "Augment:ViewSize must be between {1} and {2}")]
    public int ViewSize { get; set; } = 32;

    /// <summary>Smallest random-resized-crop area fraction.</summary>
    [Range(0.01, 1.0, ErrorMessage = "Augment:MinCropArea must be between {1} and {2}")]
    public double MinCropArea { get; set; } = 0.08;

    /// <summary>"byol" (blur p 1.0 / 0.1), "cifar" (BYOL without blur) or "crops-only".</summary>
    [AllowedValues("byol", "cifar", "crops-only", ErrorMessage = "Augment:Policy must be 'byol', 'cifar' or 'crops-only'")]
    public string Policy { get; set; } = "byol";

    /// <summary>Solarize (p 0.0 / 0.2).</summary>
    public bool Solarize { get; set; } = true;
}
