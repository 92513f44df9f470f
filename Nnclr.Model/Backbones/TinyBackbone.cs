using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Nnclr.Model;

/// <summary>
/// A 4-conv CNN for CPU runs (the one ../shared/tools/gpuprobe/ref_train.py uses with TINY=1):
/// 3×3 convs of 32, 64, 128, 256 channels (strides 1, 2, 2, 2), each with BN and ReLU, then global average pooling → 256-d.
/// </summary>
public sealed class TinyBackbone : Module<Tensor, Tensor>, IBackbone
{
    private readonly ConvLayer conv1;
    private readonly BatchNormLayer bn1;
    private readonly ConvLayer conv2;
    private readonly BatchNormLayer bn2;
    private readonly ConvLayer conv3;
    private readonly BatchNormLayer bn3;
    private readonly ConvLayer conv4;
    private readonly BatchNormLayer bn4;

    /// <inheritdoc />
    public long FeatureDim => 256;

    public TinyBackbone() : base("tiny")
    {
        conv1 = new ConvLayer(3, 32, 3, 1, 1); bn1 = new BatchNormLayer(32);
        conv2 = new ConvLayer(32, 64, 3, 2, 1); bn2 = new BatchNormLayer(64);
        conv3 = new ConvLayer(64, 128, 3, 2, 1); bn3 = new BatchNormLayer(128);
        conv4 = new ConvLayer(128, 256, 3, 2, 1); bn4 = new BatchNormLayer(256);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var o = functional.relu(bn1.call(conv1.call(x)));
        o = functional.relu(bn2.call(conv2.call(o)));
        o = functional.relu(bn3.call(conv3.call(o)));
        o = functional.relu(bn4.call(conv4.call(o)));
        return functional.adaptive_avg_pool2d(o, [1, 1]).flatten(1).MoveToOuterDisposeScope();
    }
}
