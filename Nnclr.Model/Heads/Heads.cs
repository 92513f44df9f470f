using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Nnclr.Model;

/// <summary>The NNCLR heads as PyTorch-style Sequentials, so keys read projector.0.weight, projector.1.running_mean, ….</summary>
public static class Heads
{
    /// <summary>Linear(d, h) BN ReLU, Linear(h, h) BN ReLU, Linear(h, out) BN.</summary>
    public static Sequential Projector(long inDim, long hidden, long outDim) => Sequential(
        ("0", new LinearLayer(inDim, hidden)), ("1", new BatchNormLayer(hidden)), ("2", ReLU()),
        ("3", new LinearLayer(hidden, hidden)), ("4", new BatchNormLayer(hidden)), ("5", ReLU()),
        ("6", new LinearLayer(hidden, outDim)), ("7", new BatchNormLayer(outDim)));

    /// <summary>Linear(d, h) BN ReLU, Linear(h, d).</summary>
    public static Sequential Predictor(long dim, long hidden) => Sequential(
        ("0", new LinearLayer(dim, hidden)), ("1", new BatchNormLayer(hidden)), ("2", ReLU()),
        ("3", new LinearLayer(hidden, dim)));
}
