using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Nnclr.Model;

/// <summary>Backbone + projector + predictor; state-dict keys backbone.*, projector.*, predictor.*.</summary>
public sealed class NnclrNetwork : Module
{
    // Images → pooled features.
    private readonly Module<Tensor, Tensor> backbone;
    // Features → embeddings z (width ProjectorOut).
    private readonly Sequential projector;
    // Embeddings → predictions p (width ProjectorOut).
    private readonly Sequential predictor;

    public NnclrNetwork(Module<Tensor, Tensor> backbone, Sequential projector, Sequential predictor) : base(nameof(NnclrNetwork))
    {
        this.backbone = backbone;
        this.projector = projector;
        this.predictor = predictor;
        RegisterComponents();
    }

    /// <summary>The backbone (a <see cref="ResNetBackbone"/> or <see cref="TinyBackbone"/>).</summary>
    public Module<Tensor, Tensor> Backbone => backbone;

    /// <summary>Features → embeddings.</summary>
    public Sequential Projector => projector;

    /// <summary>Embeddings → predictions.</summary>
    public Sequential Predictor => predictor;

    /// <summary>One view through all three parts: (z, p) in the input's dtype.</summary>
    public (Tensor Z, Tensor P) Forward(Tensor images) => Forward(images, out _);

    /// <summary>As <see cref="Forward(Tensor)"/>, also handing out the backbone's features (the same computation, no extra pass).</summary>
    public (Tensor Z, Tensor P) Forward(Tensor images, out Tensor features)
    {
        using var scope = torch.NewDisposeScope();
        var h = backbone.call(images);
        var z = projector.call(h);
        var p = predictor.call(z);
        features = h.MoveToOuterDisposeScope();
        return (z.MoveToOuterDisposeScope(), p.MoveToOuterDisposeScope());
    }

    /// <summary>Makes every convolution weight NHWC-strided (values unchanged); call before creating the optimiser.</summary>
    public void ToChannelsLast()
    {
        foreach (var m in modules())
            if (m is ConvLayer conv) conv.ToChannelsLast();
    }
}
