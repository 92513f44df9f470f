using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Nnclr.Model;

/// <summary>
/// torchvision's ResNet without <c>fc</c>, with its state-dict names (conv1, bn1, layer1.0.conv1, …,
/// layerK.0.downsample.0). The ImageNet stem is torchvision's; the CIFAR stem swaps conv1 for a
/// 3×3 stride-1 conv and drops the max-pool (as solo-learn does). Output: global-average-pooled features.
/// </summary>
public sealed class ResNetBackbone : Module<Tensor, Tensor>, IBackbone
{
    private readonly ConvLayer conv1;
    private readonly BatchNormLayer bn1;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    // True: 7×7 stride-2 conv1 followed by a 3×3 stride-2 max-pool; false: CIFAR stem.
    private readonly bool _imagenetStem;

    /// <inheritdoc />
    public long FeatureDim { get; }

    /// <summary>Builds resnet18 | resnet34 | resnet50 with stem "imagenet" or "cifar" (weights uninitialised; see <see cref="NetworkFactory"/>).</summary>
    public ResNetBackbone(string arch, string stem) : base(arch)
    {
        (bool bottleneck, int[] blocks) = arch switch
        {
            "resnet18" => (false, new[] { 2, 2, 2, 2 }),
            "resnet34" => (false, new[] { 3, 4, 6, 3 }),
            "resnet50" => (true, new[] { 3, 4, 6, 3 }),
            _ => throw new ArgumentException($"unknown ResNet arch '{arch}' (resnet18, resnet34, resnet50)", nameof(arch)),
        };
        _imagenetStem = stem switch
        {
            "imagenet" => true,
            "cifar" => false,
            _ => throw new ArgumentException($"unknown stem '{stem}' (cifar, imagenet)", nameof(stem)),
        };
        conv1 = _imagenetStem ? new ConvLayer(3, 64, 7, 2, 3) : new ConvLayer(3, 64, 3, 1, 1);
        bn1 = new BatchNormLayer(64);
        long inPlanes = 64;
        layer1 = MakeLayer(bottleneck, ref inPlanes, 64, blocks[0], 1);
        layer2 = MakeLayer(bottleneck, ref inPlanes, 128, blocks[1], 2);
        layer3 = MakeLayer(bottleneck, ref inPlanes, 256, blocks[2], 2);
        layer4 = MakeLayer(bottleneck, ref inPlanes, 512, blocks[3], 2);
        FeatureDim = inPlanes;
        RegisterComponents();
    }

    private static Sequential MakeLayer(bool bottleneck, ref long inPlanes, long planes, int count, long stride)
    {
        var blocks = new List<(string, Module<Tensor, Tensor>)>(count);
        for (int i = 0; i < count; i++)
        {
            long s = i == 0 ? stride : 1;
            blocks.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                bottleneck ? new Bottleneck(inPlanes, planes, s) : new BasicBlock(inPlanes, planes, s)));
            inPlanes = planes * (bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion);
        }
        return Sequential(blocks);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var o = functional.relu(bn1.call(conv1.call(x)));
        if (_imagenetStem) o = functional.max_pool2d(o, [3, 3], [2, 2], [1, 1]);
        o = layer4.call(layer3.call(layer2.call(layer1.call(o))));
        return functional.adaptive_avg_pool2d(o, [1, 1]).flatten(1).MoveToOuterDisposeScope();
    }
}
