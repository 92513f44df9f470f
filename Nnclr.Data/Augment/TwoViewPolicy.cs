namespace Nnclr.Data.Augment;

/// <summary>The policies of NNCLR's two views. Presets return fresh, independently mutable instances.</summary>
public sealed class TwoViewPolicy(ViewPolicy view1, ViewPolicy view2)
{
    public ViewPolicy View1 { get; } = view1;
    public ViewPolicy View2 { get; } = view2;

    /// <summary>BYOL: blur p 1.0 / 0.1, solarize p 0 / 0.2, everything else shared.</summary>
    public static TwoViewPolicy Byol => new(new ViewPolicy(), new ViewPolicy { BlurP = 0.1, SolarizeP = 0.2 });

    /// <summary>BYOL without blur (common for 32-px CIFAR images).</summary>
    public static TwoViewPolicy Cifar => new(new ViewPolicy { BlurP = 0 }, new ViewPolicy { BlurP = 0, SolarizeP = 0.2 });

    /// <summary>Random resized crop and flip only.</summary>
    public static TwoViewPolicy CropsOnly => new(CropOnly(), CropOnly());

    public static IReadOnlyList<string> Names { get; } = ["byol", "cifar", "crops-only"];

    public static TwoViewPolicy FromName(string name) => name switch
    {
        "byol" => Byol,
        "cifar" => Cifar,
        "crops-only" => CropsOnly,
        _ => throw new ArgumentException($"unknown augmentation policy '{name}'; choose one of: {string.Join(", ", Names)}"),
    };

    public void Validate()
    {
        View1.Validate("view1");
        View2.Validate("view2");
    }

    private static ViewPolicy CropOnly() => new() { JitterP = 0, GreyscaleP = 0, BlurP = 0, SolarizeP = 0 };
}
