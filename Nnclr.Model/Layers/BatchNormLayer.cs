using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Nnclr.Model;

/// <summary>
/// BatchNorm for 2-D ([N, C]) and 4-D ([N, C, H, W]) inputs with PyTorch's parameter and buffer names.
/// Statistics and affine parameters stay fp32; a bf16 input is normalised in fp32 and cast back.
/// </summary>
public sealed class BatchNormLayer : Module<Tensor, Tensor>
{
    // Scale γ [C], fp32, starts at 1.
    private readonly Parameter weight;
    // Shift β [C], fp32, starts at 0.
    private readonly Parameter bias;
    // Running mean [C], fp32, updated with momentum 0.1 in training mode.
    private readonly Tensor running_mean;
    // Running (unbiased) variance [C], fp32.
    private readonly Tensor running_var;
    // Training-mode forward passes so far, int64 scalar (PyTorch keeps it; torchvision checkpoints have it).
    private readonly Tensor num_batches_tracked;
    // Momentum of the running statistics.
    private const double Momentum = 0.1;
    // Variance epsilon.
    private const double Eps = 1e-5;

    public BatchNormLayer(long channels) : base("BatchNorm")
    {
        weight = new Parameter(torch.ones(channels));
        bias = new Parameter(torch.zeros(channels));
        running_mean = torch.zeros(channels);
        running_var = torch.ones(channels);
        num_batches_tracked = torch.zeros(Array.Empty<long>(), dtype: ScalarType.Int64);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (training)
            using (torch.no_grad()) num_batches_tracked.add_(1);
        if (input.dtype == ScalarType.Float32)
            return functional.batch_norm(input, running_mean, running_var, weight, bias, training, Momentum, Eps);
        using var wide = input.to(ScalarType.Float32);
        using var normed = functional.batch_norm(wide, running_mean, running_var, weight, bias, training, Momentum, Eps);
        return normed.to(input.dtype);
    }
}
