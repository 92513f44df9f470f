using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Nnclr.Model;

/// <summary>A bias-free square Conv2d (as torchvision's ResNet uses) whose weight follows the input's dtype.</summary>
public sealed class ConvLayer : Module<Tensor, Tensor>
{
    // fp32 master weight [out, in, k, k]; the state-dict key is "weight"; NHWC-strided after ToChannelsLast.
    private Parameter weight;
    // Stride in both dimensions; never changes.
    private readonly long[] _stride;
    // Zero padding in both dimensions; never changes.
    private readonly long[] _padding;

    public ConvLayer(long inChannels, long outChannels, long kernel, long stride = 1, long padding = 0) : base("Conv2d")
    {
        weight = new Parameter(torch.empty(outChannels, inChannels, kernel, kernel));
        _stride = [stride, stride];
        _padding = [padding, padding];
        RegisterComponents();
    }

    /// <summary>The fp32 master weight.</summary>
    public Parameter Weight => weight;

    public override Tensor forward(Tensor input) =>
        functional.conv2d(input, DTypeCast.Like(weight, input), null, _stride, _padding);

    /// <summary>Replaces the weight with an NHWC-strided copy (same values); call before creating the optimiser.</summary>
    public void ToChannelsLast()
    {
        using var _ = torch.no_grad();
        var nhwc = weight.detach().permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        var replaced = weight;
        weight = new Parameter(nhwc, requires_grad: true);
        ConditionallyRegisterParameter(nameof(weight), weight);
        replaced.Dispose();
    }

    /// <summary>torchvision's init: Kaiming normal, fan_out, ReLU gain.</summary>
    internal void InitKaimingFanOut(Generator generator)
    {
        using var _ = torch.no_grad();
        double fanOut = weight.shape[0] * weight.shape[2] * weight.shape[3];
        weight.normal_(0, Math.Sqrt(2.0 / fanOut), generator);
    }
}
