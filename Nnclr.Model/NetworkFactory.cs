using TorchSharp;
using static TorchSharp.torch;

namespace Nnclr.Model;

/// <summary>Builds and deterministically initialises backbones and the full network from a seed (no global RNG).</summary>
public static class NetworkFactory
{
    /// <summary>A backbone for <paramref name="options"/>, initialised as torchvision does (Kaiming fan-out convs, BN 1/0).</summary>
    public static Module<Tensor, Tensor> CreateBackbone(ModelOptions options, long seed)
    {
        OptionsRules.Require(options);
        var b = options.Backbone;
        // Model:Backbone is "tiny-cnn", "resnetNN" (ImageNet stem) or "resnetNN-cifar" (CIFAR stem).
        Module<Tensor, Tensor> net = b == "tiny-cnn" ? new TinyBackbone()
            : b.EndsWith("-cifar", StringComparison.Ordinal) ? new ResNetBackbone(b[..^"-cifar".Length], "cifar")
            : new ResNetBackbone(b, "imagenet");
        Initialise(net, seed);
        return net;
    }

    /// <summary>Backbone + projector + predictor for <paramref name="options"/>, on the CPU in fp32.</summary>
    public static NnclrNetwork CreateNetwork(ModelOptions options, long seed)
    {
        var backbone = CreateBackbone(options, seed);
        long d = ((IBackbone)backbone).FeatureDim;
        var projector = Heads.Projector(d, options.ProjectorHidden, options.ProjectorOut);
        var predictor = Heads.Predictor(options.ProjectorOut, options.PredictorHidden);
        // Heads draw from a second stream so that the backbone's weights do not depend on head sizes.
        Initialise(projector, seed + 1);
        Initialise(predictor, seed + 2);
        return new NnclrNetwork(backbone, projector, predictor);
    }

    private static void Initialise(Module module, long seed)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        foreach (var m in module.modules())
        {
            if (m is ConvLayer conv) conv.InitKaimingFanOut(generator);
            else if (m is LinearLayer linear) linear.InitDefault(generator);
        }
    }
}
