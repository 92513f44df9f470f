using System.Globalization;
using System.Reflection;

namespace Nnclr.Model;

/// <summary>
/// What an exported weights file says about itself, as safetensors string metadata: architecture ("resnet18",
/// "tiny-cnn"), stem ("imagenet", "cifar", "none"), input_size (px), mean and std (JSON arrays, of 0–1 pixel values),
/// step, nnclr_version and nnclr_commit (of the build that wrote it).
/// </summary>
public sealed record WeightsMetadata(string Backbone, int InputSize, float[] Mean, float[] Std, long Step)
{
    /// <summary>The metadata entries (sorted by key when written).</summary>
    public IReadOnlyDictionary<string, string> ToDictionary()
    {
        var (version, commit) = BuildVersion();
        bool tiny = Backbone == "tiny-cnn", cifar = Backbone.EndsWith("-cifar", StringComparison.Ordinal);
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "pt",
            ["architecture"] = tiny ? "tiny-cnn" : cifar ? Backbone[..^"-cifar".Length] : Backbone,
            ["stem"] = tiny ? "none" : cifar ? "cifar" : "imagenet",
            ["input_size"] = InputSize.ToString(CultureInfo.InvariantCulture),
            ["mean"] = Json(Mean),
            ["std"] = Json(Std),
            ["step"] = Step.ToString(CultureInfo.InvariantCulture),
            ["nnclr_version"] = version,
            ["nnclr_commit"] = commit,
        };
    }

    /// <summary>
    /// The preprocessing weights of <paramref name="backbone"/> (Model:Backbone spelling) expect when nothing says
    /// otherwise: an ImageNet stem → 224 px and ImageNet's mean/std; a CIFAR stem ("-cifar") or tiny-cnn → 32 px and
    /// CIFAR-10's. The one place this is decided (export, weights files without metadata).
    /// </summary>
    public static (int InputSize, float[] Mean, float[] Std) DefaultPreprocessing(string backbone)
    {
        bool imagenet = !backbone.EndsWith("-cifar", StringComparison.Ordinal) && backbone != "tiny-cnn";
        return imagenet ? (224, Nnclr.Data.Augment.Normalization.ImageNetMean, Nnclr.Data.Augment.Normalization.ImageNetStd)
            : (32, Nnclr.Data.Augment.Normalization.CifarMean, Nnclr.Data.Augment.Normalization.CifarStd);
    }

    /// <summary>The metadata of freshly initialised <paramref name="backbone"/> weights (step 0, <see cref="DefaultPreprocessing"/>).</summary>
    public static WeightsMetadata ForRandomInit(string backbone)
    {
        var (size, mean, std) = DefaultPreprocessing(backbone);
        return new WeightsMetadata(backbone, size, mean, std, 0);
    }

    /// <summary>Input size, mean and std from a file's metadata, each null when absent or unreadable.</summary>
    public static (int? InputSize, float[]? Mean, float[]? Std) Preprocessing(IReadOnlyDictionary<string, string> meta)
    {
        int? size = meta.TryGetValue("input_size", out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v is >= 8 and <= 1024 ? v : null;
        return (size, Floats(meta, "mean"), Floats(meta, "std"));
    }

    /// <summary>(version, commit) of this build: the informational version "1.0.0+SHA" split at '+'.</summary>
    public static (string Version, string Commit) BuildVersion()
    {
        var info = typeof(WeightsMetadata).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        int plus = info.IndexOf('+');
        return plus < 0 ? (info, "unknown") : (info[..plus], info[(plus + 1)..]);
    }

    private static string Json(float[] v) => "[" + string.Join(", ", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) + "]";

    private static float[]? Floats(IReadOnlyDictionary<string, string> meta, string key)
    {
        if (!meta.TryGetValue(key, out var s)) return null;
        var parts = s.Trim().TrimStart('[').TrimEnd(']').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i])) return null;
        return values.Length == 3 ? values : null;
    }
}
