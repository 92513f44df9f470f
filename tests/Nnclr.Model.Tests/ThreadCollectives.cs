using Nnclr.Model.Distributed;

namespace Nnclr.Model.Tests;

/// <summary>
/// An in-process test double of <see cref="ICollectives"/>: N "ranks" are N threads of this process that meet at a
/// real rendezvous (a <see cref="System.Threading.Barrier"/> and one shared slot per rank). Every operation is
/// publish → barrier → each rank computes its result from all slots in rank order → barrier → write back, so every
/// rank gets the same bits. A rank that fails cancels the rendezvous: the others throw instead of waiting forever.
/// </summary>
internal sealed class ThreadCollectives : ICollectives
{
    private readonly Rendezvous _shared;

    private ThreadCollectives(Rendezvous shared, int rank)
    {
        _shared = shared;
        Rank = rank;
    }

    public int Rank { get; }
    public int WorldSize => _shared.World;
    public int LocalRank => Rank;
    public string Engine => "threads";

    /// <summary>
    /// Runs <paramref name="body"/> as ranks 0..world−1, each on its own thread with its own collectives, and returns
    /// their results in rank order; the first exception of any rank is rethrown.
    /// </summary>
    public static T[] Run<T>(int world, Func<ThreadCollectives, T> body)
    {
        var shared = new Rendezvous(world);
        var results = new T[world];
        var errors = new Exception?[world];
        var threads = Enumerable.Range(0, world).Select(rank => new Thread(() =>
        {
            try
            {
                using var c = new ThreadCollectives(shared, rank);
                results[rank] = body(c);
            }
            catch (Exception e)
            {
                errors[rank] = e;
                shared.Cancel.Cancel();
            }
        }, maxStackSize: 16 << 20) { Name = $"rank {rank}" }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        var first = errors.Select((e, r) => (e, r)).FirstOrDefault(x => x.e is not null && x.e is not OperationCanceledException);
        if (first.e is not null) throw new InvalidOperationException($"rank {first.r} failed: {first.e.Message}", first.e);
        if (errors.FirstOrDefault(e => e is not null) is { } cancelled) throw cancelled;
        return results;
    }

    /// <summary>A rank object that is never run (for checks that fail before any collective).</summary>
    public static ThreadCollectives Unstarted(int world, int rank) => new(new Rendezvous(world), rank);

    public void AllReduce(Tensor tensor, ReduceOp op)
    {
        Publish(tensor);
        using var sum = _shared.Tensors[0]!.clone();
        for (int r = 1; r < WorldSize; r++) sum.add_(_shared.Tensors[r]!);
        if (op == ReduceOp.Average) sum.div_(WorldSize);
        Wait();
        tensor.copy_(sum);
    }

    public Tensor AllGather(Tensor tensor)
    {
        Publish(tensor);
        var all = torch.cat(_shared.Tensors.Select(t => t!).ToList(), 0);
        Wait();
        return all;
    }

    public void Broadcast(Tensor tensor, int root)
    {
        Publish(tensor);
        using var copy = _shared.Tensors[root]!.clone();
        Wait();
        tensor.copy_(copy);
    }

    public void Barrier() => Wait();

    public void AllReduce(Span<double> values, ReduceOp op)
    {
        _shared.Host[Rank] = values.ToArray();
        Wait();
        var sum = new double[values.Length];
        for (int r = 0; r < WorldSize; r++)
            for (int i = 0; i < sum.Length; i++) sum[i] += _shared.Host[r]![i];
        Wait();
        for (int i = 0; i < sum.Length; i++) values[i] = op == ReduceOp.Average ? sum[i] / WorldSize : sum[i];
    }

    public void Broadcast(Span<byte> bytes, int root)
    {
        _shared.Bytes[Rank] = bytes.ToArray();
        Wait();
        var copy = _shared.Bytes[root]!;
        Wait();
        copy.CopyTo(bytes);
    }

    public void Abort(string reason, int exitCode)
    {
        _shared.Cancel.Cancel();
        throw new InvalidOperationException($"rank {Rank} aborted ({exitCode}): {reason}");
    }

    public void Dispose() { }

    // Every rank's tensor must have the same shape and dtype (as the engines require).
    private void Publish(Tensor tensor)
    {
        _shared.Tensors[Rank] = tensor;
        Wait();
        var mine = _shared.Tensors[Rank]!;
        for (int r = 0; r < WorldSize; r++)
        {
            var other = _shared.Tensors[r]!;
            if (other.dtype != mine.dtype || !other.shape.SequenceEqual(mine.shape))
                throw new InvalidOperationException($"rank {r} passed {other.dtype} [{string.Join(", ", other.shape)}], rank {Rank} {mine.dtype} [{string.Join(", ", mine.shape)}]");
        }
    }

    private void Wait()
    {
        if (!_shared.Barrier.SignalAndWait(TimeSpan.FromSeconds(120), _shared.Cancel.Token))
            throw new TimeoutException($"rank {Rank}: the other ranks did not arrive within 120 s");
    }

    private sealed class Rendezvous(int world)
    {
        public int World { get; } = world;
        public Barrier Barrier { get; } = new(world);
        public CancellationTokenSource Cancel { get; } = new();
        public Tensor?[] Tensors { get; } = new Tensor?[world];
        public double[]?[] Host { get; } = new double[]?[world];
        public byte[]?[] Bytes { get; } = new byte[]?[world];
    }
}
