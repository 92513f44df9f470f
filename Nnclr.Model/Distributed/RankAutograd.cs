using static TorchSharp.torch.autograd;

namespace Nnclr.Model.Distributed;

/// <summary>
/// The collectives of a data-parallel trainer and the owner of the tensors its autograd functions create while the
/// backward runs. On a GPU libtorch runs backward on its own device thread, outside the step's dispose scope, so those
/// tensors would otherwise wait for the GC finalizer (holding device memory); the trainer disposes them once
/// backward has returned (libtorch keeps its own references to what it still needs).
/// </summary>
public sealed class RankContext(ICollectives collectives)
{
    // Tensors made during backward, disposed by DisposeBackwardTensors (the list keeps its capacity: no steady-state allocation).
    private readonly List<Tensor> _made = [];

    /// <summary>The ranks.</summary>
    public ICollectives Collectives { get; } = collectives;

    internal Tensor Own(Tensor tensor)
    {
        lock (_made) _made.Add(tensor);
        return tensor;
    }

    /// <summary>Disposes the tensors the backward functions made (call after backward returns).</summary>
    public void DisposeBackwardTensors()
    {
        lock (_made)
        {
            foreach (var t in _made) t.Dispose();
            _made.Clear();
        }
    }
}

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
    public static Tensor Gather(Tensor local, RankContext ranks) => GatherFunction.apply(local.contiguous(), ranks);

    /// <summary>
    /// The element-wise sum of every rank's <paramref name="local"/>, with gradient: the backward all-reduces (sums) the
    /// incoming gradient. The result is owned by the caller's dispose scope.
    /// </summary>
    public static Tensor Sum(Tensor local, RankContext ranks) => SumFunction.apply(local.contiguous(), ranks);

    // TorchSharp keeps one static instance per Function type: no state in the class, everything goes through ctx.
    private sealed class GatherFunction : SingleTensorFunction<GatherFunction>
    {
        public override string Name => "RankGather";

        public override Tensor forward(AutogradContext ctx, params object[] vars)
        {
            var input = (Tensor)vars[0];
            var ranks = (RankContext)vars[1];
            ctx.save_data("ranks", ranks);
            ctx.save_data("rows", input.shape[0]);
            return ranks.Collectives.AllGather(input);
        }

        public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
        {
            var ranks = (RankContext)ctx.get_data("ranks");
            long rows = (long)ctx.get_data("rows");
            var grad = Reduced(gradOutput, ranks);
            return [ranks.Own(grad.narrow(0, ranks.Collectives.Rank * rows, rows)), null!];
        }
    }

    private sealed class SumFunction : SingleTensorFunction<SumFunction>
    {
        public override string Name => "RankSum";

        public override Tensor forward(AutogradContext ctx, params object[] vars)
        {
            var input = (Tensor)vars[0];
            var ranks = (RankContext)vars[1];
            ctx.save_data("ranks", ranks);
            var sum = input.clone();
            ranks.Collectives.AllReduce(sum, ReduceOp.Sum);
            return sum;
        }

        public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
        {
            return [Reduced(gradOutput, (RankContext)ctx.get_data("ranks")), null!];
        }
    }

    // The sum over ranks of a copy of the incoming gradient (which may be shared inside the graph); every tensor made
    // here and the incoming gradient's wrapper go to the rank context's owner list.
    private static Tensor Reduced(Tensor gradOutput, RankContext ranks)
    {
        ranks.Own(gradOutput);
        var grad = ranks.Own(ranks.Own(gradOutput.contiguous()).clone());
        ranks.Collectives.AllReduce(grad, ReduceOp.Sum);
        return grad;
    }
}
