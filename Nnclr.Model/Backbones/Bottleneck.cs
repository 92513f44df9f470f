using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Nnclr.Model;

/// <summary>torchvision's ResNet Bottleneck (v1.5: stride on the 3×3 conv), expansion 4, same field names.</summary>
public sealed class Bottleneck : Module<Tensor, Tensor>
{
    /// <summary>Output channels per input "planes".</summary>
    public const int Expansion = 4;
    // 1×1 reduce.
    private readonly ConvLayer conv1;
    private readonly BatchNormLayer bn1;
    // 3×3, carries the block's stride.
    private readonly ConvLayer conv2;
    private readonly BatchNormLayer bn2;
    // 1×1 expand to planes × 4.
    private readonly ConvLayer conv3;
    private readonly BatchNormLayer bn3;
    // 1×1 conv + BN on the shortcut when the shape changes, else null (identity).
    private readonly Sequential? downsample;

    public Bottleneck(long inPlanes, long planes, long stride) : base(nameof(Bottleneck))
    {
        conv1 = new ConvLayer(inPlanes, planes, 1);
        bn1 = new BatchNormLayer(planes);
        conv2 = new ConvLayer(planes, planes, 3, stride, 1);
        bn2 = new BatchNormLayer(planes);
        conv3 = new ConvLayer(planes, planes * Expansion, 1);
        bn3 = new BatchNormLayer(planes * Expansion);
        if (stride != 1 || inPlanes != planes * Expansion)
            downsample = Sequential(("0", new ConvLayer(inPlanes, planes * Expansion, 1, stride)), ("1", new BatchNormLayer(planes * Expansion)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var o = functional.relu(bn1.call(conv1.call(x)));
        o = functional.relu(bn2.call(conv2.call(o)));
        o = bn3.call(conv3.call(o));
        var identity = downsample is null ? x : downsample.call(x);
        return functional.relu(o.add_(identity)).MoveToOuterDisposeScope();
    }
}
