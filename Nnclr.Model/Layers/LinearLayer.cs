using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Nnclr.Model;

/// <summary>A fully connected layer (PyTorch's Linear layout and init) whose weights follow the input's dtype.</summary>
public sealed class LinearLayer : Module<Tensor, Tensor>
{
    // fp32 master weight [out, in]; state-dict key "weight".
    private readonly Parameter weight;
    // fp32 master bias [out], or null when built without bias; state-dict key "bias".
    private readonly Parameter? bias;

    public LinearLayer(long inFeatures, long outFeatures, bool hasBias = true) : base("Linear")
    {
        weight = new Parameter(torch.empty(outFeatures, inFeatures));
        bias = hasBias ? new Parameter(torch.empty(outFeatures)) : null;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) =>
        functional.linear(input, DTypeCast.Like(weight, input), bias is null ? null : DTypeCast.Like(bias, input));

    /// <summary>PyTorch's default init: U(−1/√fan_in, 1/√fan_in) for weight and bias.</summary>
    internal void InitDefault(Generator generator)
    {
        using var _ = torch.no_grad();
        double bound = 1.0 / Math.Sqrt(weight.shape[1]);
        weight.uniform_(-bound, bound, generator);
        bias?.uniform_(-bound, bound, generator);
    }
}
