using static TorchSharp.torch.autograd;

namespace Nnclr.Model.Distributed;

/// <summary>
/// Collectives inside the autograd graph, for data-parallel training. The objective of a step is Σ_r L_r (each rank's
/// part of the loss); a value every rank computes from all ranks' tensors sends its gradient back to every rank, so
/// the backward of each operation here is an all-reduce sum of the incoming gradients. The trainer then averages the
/// parameter gradients over the ranks (its losses are means over the local rows), which gives the gradient of the
/// one-process loss over the global batch. Every rank must call the same operations in the same order (the autograd
/// graph is the same on every rank, so the backward calls are too).
/// </summary>
public static class RankAutograd
{
    /// <summary>
    /// Every rank's <paramref name="local"/> [n, …] concatenated in rank order, [WorldSize·n, …], with gradient: the
    /// backward all-reduces (sums) the gradient of the whole result and keeps this rank's slice. The result is owned by
    /// the caller's dispose scope.
    /// </summary>
    public static Tensor Gather(Tensor local, ICollectives collectives) => GatherFunction.apply(local.contiguous(), collectives);

    /// <summary>
    /// The element-wise sum of every rank's <paramref name="local"/>, with gradient: the backward all-reduces (sums) the
    /// incoming gradient. The result is owned by the caller's dispose scope.
    /// </summary>
    public static Tensor Sum(Tensor local, ICollectives collectives) => SumFunction.apply(local.contiguous(), collectives);

    // TorchSharp keeps one static instance per Function type: no state in the class, everything goes through ctx.
    private sealed class GatherFunction : SingleTensorFunction<GatherFunction>
    {
        public override string Name => "RankGather";

        public override Tensor forward(AutogradContext ctx, params object[] vars)
        {
            var input = (Tensor)vars[0];
            var collectives = (ICollectives)vars[1];
            ctx.save_data("collectives", collectives);
            ctx.save_data("rows", input.shape[0]);
            return collectives.AllGather(input);
        }

        public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
        {
            var collectives = (ICollectives)ctx.get_data("collectives");
            long rows = (long)ctx.get_data("rows");
            // The incoming gradient may be shared inside the graph: reduce a copy.
            var grad = gradOutput.contiguous().clone();
            collectives.AllReduce(grad, ReduceOp.Sum);
            return [grad.narrow(0, collectives.Rank * rows, rows), null!];
        }
    }

    private sealed class SumFunction : SingleTensorFunction<SumFunction>
    {
        public override string Name => "RankSum";

        public override Tensor forward(AutogradContext ctx, params object[] vars)
        {
            var input = (Tensor)vars[0];
            var collectives = (ICollectives)vars[1];
            ctx.save_data("collectives", collectives);
            var sum = input.clone();
            collectives.AllReduce(sum, ReduceOp.Sum);
            return sum;
        }

        public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
        {
            var collectives = (ICollectives)ctx.get_data("collectives");
            var grad = gradOutput.contiguous().clone();
            collectives.AllReduce(grad, ReduceOp.Sum);
            return [grad, null!];
        }
    }
}
