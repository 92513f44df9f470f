using System.ComponentModel.DataAnnotations;

namespace Nnclr.Pipeline.Configuration;

/// <summary>Section "Data": which dataset, where its shards live.</summary>
public sealed class DataOptions
{
    public const string Section = "Data";

    /// <summary>
    /// "demo" (the built-in procedurally generated dataset, made on first use), or the name of any ingested dataset —
    /// cifar10, cifar100, stl10, a folder — whose shards are in Data:Dir (default data/&lt;name&gt;).
    /// </summary>
    [Required(ErrorMessage = "Data:Dataset is required")]
    [RegularExpression("^[a-z0-9][a-z0-9._-]{0,63}$", ErrorMessage = "Data:Dataset must be a dataset name: lower-case letters, digits, '.', '_' or '-' (e.g. demo, cifar10, cifar100, stl10, photos)")]
    public string Dataset { get; set; } = "demo";

    /// <summary>Shard directory (ingested on first use when empty); "" = the dataset's default location.</summary>
    public string Dir { get; set; } = "";

    /// <summary>The split trained on (self-supervised): "train", or e.g. "train+unlabelled" for STL-10; kNN always uses the labelled "train" and "test" splits.</summary>
    [RegularExpression("^[a-z0-9][a-z0-9._+-]{0,63}$", ErrorMessage = "Data:TrainSplit must be a split name such as train or train+unlabelled")]
    public string TrainSplit { get; set; } = "train";

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
