using System.Globalization;

namespace Nnclr.Model;

/// <summary>
/// Puts a <see cref="WeightsFile"/>'s torchvision-named tensors into a backbone (or a projector), strictly: every
/// tensor of the module must be in the file with its shape, and every file tensor must belong to the module — except
/// torchvision's classifier <c>fc.*</c> and the heads (<c>projector.*</c>, <c>predictor.*</c>), which a backbone
/// ignores. A mismatch is one error listing the missing, unexpected and mis-shaped keys.
/// </summary>
public static class BackboneWeights
{
    /// <summary>Copies the file's backbone tensors into <paramref name="backbone"/> (floating types converted to the module's).</summary>
    public static void CopyInto(Module backbone, WeightsFile weights) => CopyInto(backbone, weights, prefix: "");

    /// <summary>Copies "<paramref name="prefix"/>X" tensors into the module's "X" (e.g. prefix "projector." for a projector).</summary>
    public static void CopyInto(Module module, WeightsFile weights, string prefix)
    {
        var entries = StateDictOrder.Entries(module);
        var missing = new List<string>();
        var shapes = new List<string>();
        foreach (var (key, target, _) in entries)
        {
            if (!weights.TryGet(prefix + key, out var src)) { missing.Add(prefix + key); continue; }
            bool typesFit = src.DType == target.dtype || (IsFloat(src.DType) && IsFloat(target.dtype));
            if (!typesFit || !src.Shape.AsSpan().SequenceEqual(target.shape))
                shapes.Add($"{prefix + key} is {src.DType} [{string.Join(", ", src.Shape)}], the network's {target.dtype} [{string.Join(", ", target.shape)}]");
        }
        var own = entries.Select(e => prefix + e.Key).ToHashSet(StringComparer.Ordinal);
        var unexpected = weights.Names.Where(n => !own.Contains(n) && !Ignored(n, prefix)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count + unexpected.Count + shapes.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"missing keys ({missing.Count}): {List(missing)}");
            if (unexpected.Count > 0) parts.Add($"unexpected keys ({unexpected.Count}): {List(unexpected)}");
            if (shapes.Count > 0) parts.Add($"wrong shapes ({shapes.Count}): {List(shapes)}");
            throw new WeightsFormatException(weights.Path, $"does not fit this {module.GetName()} network: {string.Join("; ", parts)}");
        }
        using var noGrad = torch.no_grad();
        foreach (var (key, target, _) in entries)
        {
            using var host = weights.TryGet(prefix + key, out var src) ? src.ToTensor() : throw new InvalidOperationException(key);
            target.copy_(host);
        }
    }

    /// <summary>
    /// Model:Backbone for the tensors in <paramref name="weights"/>: its "architecture" + "stem" metadata when present,
    /// else inferred from the keys and shapes (conv1 7×7 → ImageNet stem, 3×3 → CIFAR stem; bottleneck blocks and
    /// blocks per stage → resnet18/34/50; conv4 without layer1 → tiny-cnn).
    /// </summary>
    public static string InferBackbone(WeightsFile weights)
    {
        if (weights.Metadata.TryGetValue("architecture", out var arch))
        {
            if (arch is "tiny" or "tiny-cnn") return "tiny-cnn";
            var stem = weights.Metadata.GetValueOrDefault("stem", "imagenet");
            return stem == "cifar" ? arch + "-cifar" : arch;
        }
        if (!weights.TryGet("conv1.weight", out var conv1) || conv1.Shape.Length != 4)
            throw new WeightsFormatException(weights.Path, "no conv1.weight [C, 3, k, k]: not a ResNet or tiny-cnn backbone with torchvision key names");
        if (weights.TryGet("conv4.weight", out _) && !weights.TryGet("layer1.0.conv1.weight", out _)) return "tiny-cnn";
        bool bottleneck = weights.TryGet("layer1.0.conv3.weight", out _);
        var blocks = new int[4];
        for (int layer = 0; layer < 4; layer++)
            while (weights.TryGet(string.Create(CultureInfo.InvariantCulture, $"layer{layer + 1}.{blocks[layer]}.conv1.weight"), out _)) blocks[layer]++;
        string name = (bottleneck, blocks) switch
        {
            (false, [2, 2, 2, 2]) => "resnet18",
            (false, [3, 4, 6, 3]) => "resnet34",
            (true, [3, 4, 6, 3]) => "resnet50",
            _ => throw new WeightsFormatException(weights.Path,
                $"unknown architecture: {(bottleneck ? "bottleneck" : "basic")} blocks [{string.Join(", ", blocks)}] per stage (resnet18, resnet34, resnet50 and tiny-cnn are known)"),
        };
        return conv1.Shape[2] == 7 ? name : name + "-cifar";
    }

    private static bool IsFloat(ScalarType t) => t is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16;

    private static bool Ignored(string name, string prefix) => prefix.Length == 0
        ? name.StartsWith("fc.", StringComparison.Ordinal) || name.StartsWith("projector.", StringComparison.Ordinal) || name.StartsWith("predictor.", StringComparison.Ordinal)
        : !name.StartsWith(prefix, StringComparison.Ordinal);

    private static string List(List<string> keys) => keys.Count <= 12 ? string.Join(", ", keys) : string.Join(", ", keys.Take(12)) + $", … ({keys.Count - 12} more)";
}
