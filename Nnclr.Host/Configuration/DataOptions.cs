using System.ComponentModel.DataAnnotations;

namespace Nnclr.Host.Configuration;

/// <summary>Section "Data": which dataset, where its shards live.</summary>
public sealed class DataOptions
{
    public const string Section = "Data";

    /// <summary>"cifar10" or "demo" (the built-in procedurally generated dataset).</summary>
    [Required(ErrorMessage = "Data:Dataset is required")]
    [AllowedValues("cifar10", "demo", ErrorMessage = "Data:Dataset must be 'cifar10' or 'demo'")]
    public string Dataset { get; set; } = "demo";

    /// <summary>Shard directory (ingested on first use when empty); "" = the dataset's default location.</summary>
    public string Dir { get; set; } = "";

    /// <summary>Side of the stored square images, pixels.</summary>
    [Range(8, 1024, ErrorMessage = "Data:ImageSize must be between {1} and {2}")]
    public int ImageSize { get; set; } = 32;

    /// <summary>Training images generated for the built-in demo dataset (on first use).</summary>
    [Range(64, 1_000_000, ErrorMessage = "Data:DemoTrainCount must be between {1} and {2}")]
    public int DemoTrainCount { get; set; } = 10000;

    /// <summary>Test images generated for the built-in demo dataset (on first use).</summary>
    [Range(16, 1_000_000, ErrorMessage = "Data:DemoTestCount must be between {1} and {2}")]
    public int DemoTestCount { get; set; } = 2000;
}
