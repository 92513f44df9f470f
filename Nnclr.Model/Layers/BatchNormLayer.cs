using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using Nnclr.Model.Distributed;

namespace Nnclr.Model;

/// <summary>
/// BatchNorm for 2-D ([N, C]) and 4-D ([N, C, H, W]) inputs with PyTorch's parameter and buffer names.
/// Statistics and affine parameters stay fp32; a bf16 input is normalised in fp32 and cast back. With
/// <see cref="Ranks"/> set to more than one rank (SyncBatchNorm, Model:SyncBatchNorm), training-mode batch
/// statistics are those of every rank's batch together (global BN), forward and backward.
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

    /// <summary>
    /// The ranks whose batches share the statistics in training mode; null or one rank: this batch's own (PyTorch's
    /// BatchNorm, unchanged). Every rank's batch must have the same number of rows.
    /// </summary>
    internal RankContext? Ranks { get; set; }

    public override Tensor forward(Tensor input)
    {
        if (training)
            using (torch.no_grad()) num_batches_tracked.add_(1);
        bool sync = training && Ranks is { Collectives.WorldSize: > 1 };
        if (input.dtype == weight.dtype)
            return sync ? SyncForward(input, Ranks!) : functional.batch_norm(input, running_mean, running_var, weight, bias, training, Momentum, Eps);
        using var wide = input.to(weight.dtype);
        using var normed = sync ? SyncForward(wide, Ranks!) : functional.batch_norm(wide, running_mean, running_var, weight, bias, training, Momentum, Eps);
        return normed.to(input.dtype);
    }

    // Training-mode BN over all ranks' rows, in two passes as PyTorch's CPU kernel (mean, then the centred sum of
    // squares), each sum all-reduced with gradient (RankAutograd.Sum: its backward all-reduces the gradient, which is
    // what PyTorch's SyncBatchNorm backward does with sum_dy and sum_dy_xmu). Running statistics get the global mean
    // and unbiased variance, the same on every rank.
    private Tensor SyncForward(Tensor x, RankContext ranks)
    {
        using var scope = torch.NewDisposeScope();
        long channels = x.shape[1];
        long[] dims = x.dim() == 2 ? [0] : [0, 2, 3];
        long[] shape = x.dim() == 2 ? [1, channels] : [1, channels, 1, 1];
        double count = (double)(x.numel() / channels) * ranks.Collectives.WorldSize;
        var mean = RankAutograd.Sum(x.sum(dims), ranks).div(count);
        var centred = x - mean.view(shape);
        var variance = RankAutograd.Sum(centred.square().sum(dims), ranks).div(count);
        var scale = variance.add(Eps).rsqrt().mul(weight);
        var y = torch.addcmul(bias.view(shape), centred, scale.view(shape), 1);
        using (torch.no_grad())
        {
            running_mean.mul_(1 - Momentum).add_(mean.detach(), alpha: Momentum);
            running_var.mul_(1 - Momentum).add_(variance.detach(), alpha: Momentum * count / Math.Max(1, count - 1));
        }
        return y.MoveToOuterDisposeScope();
    }
}
