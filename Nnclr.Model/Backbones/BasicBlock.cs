using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Nnclr.Model;

/// <summary>torchvision's ResNet BasicBlock (expansion 1), same field names.</summary>
public sealed class BasicBlock : Module<Tensor, Tensor>
{
    /// <summary>Output channels per input "planes".</summary>
    public const int Expansion = 1;
    // 3×3, carries the block's stride.
    private readonly ConvLayer conv1;
    private readonly BatchNormLayer bn1;
    // 3×3, stride 1.
    private readonly ConvLayer conv2;
    private readonly BatchNormLayer bn2;
    // 1×1 conv + BN on the shortcut when the shape changes, else null (identity).
    private readonly Sequential? downsample;

    public BasicBlock(long inPlanes, long planes, long stride) : base(nameof(BasicBlock))
    {
        conv1 = new ConvLayer(inPlanes, planes, 3, stride, 1);
        bn1 = new BatchNormLayer(planes);
        conv2 = new ConvLayer(planes, planes, 3, 1, 1);
        bn2 = new BatchNormLayer(planes);
        if (stride != 1 || inPlanes != planes * Expansion)
            downsample = Sequential(("0", new ConvLayer(inPlanes, planes * Expansion, 1, stride)), ("1", new BatchNormLayer(planes * Expansion)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var o = functional.relu(bn1.call(conv1.call(x)));
        o = bn2.call(conv2.call(o));
        var identity = downsample is null ? x : downsample.call(x);
        return functional.relu(o.add_(identity)).MoveToOuterDisposeScope();
    }
}
