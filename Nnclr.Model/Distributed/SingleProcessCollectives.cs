namespace Nnclr.Model.Distributed;

/// <summary>World size 1: every collective is the identity (Average over one rank is the value itself).</summary>
public sealed class SingleProcessCollectives : ICollectives
{
    /// <summary>The one instance (it holds no state).</summary>
    public static SingleProcessCollectives Instance { get; } = new();

    private SingleProcessCollectives() { }

    public int Rank => 0;
    public int WorldSize => 1;
    public int LocalRank => 0;
    public string Engine => "single";
    public void AllReduce(Tensor tensor, ReduceOp op) { }
    public Tensor AllGather(Tensor tensor) => tensor.clone();
    public void Broadcast(Tensor tensor, int root) => CheckRoot(root);
    public void Barrier() { }
    public void AllReduce(Span<double> values, ReduceOp op) { }
    public void Broadcast(Span<byte> bytes, int root) => CheckRoot(root);
    public void Abort(string reason, int exitCode) => throw new InvalidOperationException($"aborted: {reason}");
    public void Dispose() { }

    private static void CheckRoot(int root)
    {
        if (root != 0) throw new ArgumentOutOfRangeException(nameof(root), root, "world size is 1: the only root is 0");
    }
}
