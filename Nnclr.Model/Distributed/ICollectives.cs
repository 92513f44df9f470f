namespace Nnclr.Model.Distributed;

/// <summary>How <see cref="ICollectives.AllReduce(Tensor, ReduceOp)"/> combines the ranks' values.</summary>
public enum ReduceOp
{
    /// <summary>Element-wise sum over the ranks.</summary>
    Sum,
    /// <summary>Element-wise sum over the ranks divided by the world size.</summary>
    Average,
}

/// <summary>
/// The collectives port of data-parallel training: one implementation per engine — <see cref="SingleProcessCollectives"/>
/// (world 1, no-ops), Open MPI (CPU tensors; also the bootstrap of NCCL) and NCCL (CUDA tensors). Every rank calls the
/// same operations in the same order with tensors of the same shape and dtype; a call returns when this rank's part is
/// done. Tensors passed in must be contiguous and on the engine's device. Not thread-safe: the training thread alone
/// calls it.
/// </summary>
public interface ICollectives : IDisposable
{
    /// <summary>This process's rank, 0 ≤ Rank &lt; WorldSize.</summary>
    int Rank { get; }

    /// <summary>The number of ranks (processes) in the job, ≥ 1.</summary>
    int WorldSize { get; }

    /// <summary>The rank of this process among those on its machine (selects the GPU).</summary>
    int LocalRank { get; }

    /// <summary>The engine's name for logs and records: "single", "mpi" or "nccl".</summary>
    string Engine { get; }

    /// <summary>Reduces <paramref name="tensor"/> element-wise over all ranks, in place.</summary>
    void AllReduce(Tensor tensor, ReduceOp op);

    /// <summary>
    /// Concatenates every rank's <paramref name="tensor"/> ([n, …], the same shape on every rank) along dim 0 in rank order:
    /// a new tensor [WorldSize·n, …] the caller owns. No gradient flows through it (see the autograd wrapper for that).
    /// </summary>
    Tensor AllGather(Tensor tensor);

    /// <summary>Overwrites <paramref name="tensor"/> on every rank with rank <paramref name="root"/>'s values, in place.</summary>
    void Broadcast(Tensor tensor, int root);

    /// <summary>Returns when every rank has called it.</summary>
    void Barrier();

    /// <summary>Reduces host values (metrics, counts) element-wise over all ranks, in place.</summary>
    void AllReduce(Span<double> values, ReduceOp op);

    /// <summary>Overwrites <paramref name="bytes"/> on every rank with rank <paramref name="root"/>'s bytes (same length everywhere).</summary>
    void Broadcast(Span<byte> bytes, int root);

    /// <summary>Stops every rank of the job as soon as possible (MPI_Abort / ncclCommAbort), after logging <paramref name="reason"/>. Does not return on MPI.</summary>
    void Abort(string reason, int exitCode);
}
