using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Nnclr.Model;

/// <summary>
/// A backbone with a linear classification head: state-dict keys backbone.* and fc.weight / fc.bias (torchvision's
/// classifier names once "backbone." is dropped). The backbone is built and initialised as the trainer's (same seed,
/// same weights), the head from a stream of its own (seed + 4), PyTorch's Linear init.
/// </summary>
public sealed class ClassifierNetwork : Module<Tensor, Tensor>
{
    // Images → pooled features.
    private readonly Module<Tensor, Tensor> backbone;
    // Features → class scores.
    private readonly LinearLayer fc;

    public ClassifierNetwork(ModelOptions model, int classes, long seed) : base(nameof(ClassifierNetwork))
    {
        if (classes < 2) throw new ArgumentException($"a classifier needs at least 2 classes, got {classes}", nameof(classes));
        backbone = NetworkFactory.CreateBackbone(model, seed);
        fc = new LinearLayer(((IBackbone)backbone).FeatureDim, classes);
        using (var generator = new Generator(unchecked((ulong)seed + 4))) fc.InitDefault(generator);
        RegisterComponents();
    }

    /// <summary>The backbone (loaded from a checkpoint or weights file before fine-tuning).</summary>
    public Module<Tensor, Tensor> Backbone => backbone;

    /// <summary>Class scores [N, classes] of images [N, 3, S, S], in the input's dtype.</summary>
    public override Tensor forward(Tensor images) => fc.call(backbone.call(images));
}
