namespace Nnclr.Model;

/// <summary>
/// NNCLR's support set Q: a preallocated [Size, Dim] fp32 tensor of unit rows (random unit vectors at first),
/// written FIFO a batch at a time, with labels beside it for the NN-accuracy metric only. Never part of a graph.
/// </summary>
public sealed class SupportSet : IDisposable
{
    // [Size, Dim] fp32, unit rows, requires_grad false; rows [Pointer, Pointer + BatchSize) are the next to be overwritten.
    private readonly Tensor _queue;
    // [Size] int64; label of each row's image, −1 while a row still holds its random initial vector.
    private readonly Tensor _labels;
    // Next row to write; a multiple of BatchSize in [0, Size).
    private long _pointer;

    /// <summary>Rows.</summary>
    public long Size { get; }
    /// <summary>Row width.</summary>
    public long Dim { get; }
    /// <summary>Rows written per <see cref="Enqueue"/>; divides <see cref="Size"/>.</summary>
    public long BatchSize { get; }

    /// <summary>Random unit rows drawn from <paramref name="generator"/> (CPU) and moved to <paramref name="device"/>.</summary>
    public SupportSet(long size, long dim, long batchSize, Generator generator, Device device, ScalarType dtype = ScalarType.Float32)
    {
        if (batchSize < 1) throw new ArgumentException($"support-set batch size must be positive, got {batchSize}", nameof(batchSize));
        if (NnclrOptions.SupportSetProblem(size, batchSize) is { } problem) throw new ArgumentException(problem, nameof(size));
        Size = size; Dim = dim; BatchSize = batchSize;
        using (var scope = torch.NewDisposeScope())
        {
            var init = functional.normalize(torch.randn([size, dim], generator: generator), p: 2, dim: 1);
            _queue = init.to(dtype).to(device).DetachFromDisposeScope();
        }
        _labels = torch.full([size], -1L, dtype: ScalarType.Int64, device: device);
    }

    /// <summary>The rows (for tests and snapshots); do not dispose.</summary>
    public Tensor Queue => _queue;
    /// <summary>The labels beside the rows; do not dispose.</summary>
    public Tensor Labels => _labels;
    /// <summary>Next row to be written.</summary>
    public long Pointer => _pointer;

    /// <summary>
    /// For each row of <paramref name="z"/>: the most cosine-similar row of Q (topK = 1) or one picked uniformly with
    /// <paramref name="generator"/> among the topK most similar. No gradient: the result is a constant.
    /// Returns (neighbours [N, Dim] fp32, indices [N] int64) in the caller's scope.
    /// </summary>
    public (Tensor Neighbours, Tensor Indices) Nearest(Tensor z, int topK, Generator? generator) =>
        Nearest(z, topK, generator, z.shape[0], 0);

    /// <summary>
    /// <see cref="Nearest(Tensor, int, Generator?)"/> for rows [<paramref name="rowOffset"/>, rowOffset + n) of a global
    /// batch of <paramref name="globalRows"/> spread over ranks: with topK &gt; 1 the picks are drawn for all global rows
    /// (so every rank's generator advances as one process's does) and this rank's slice of them is used.
    /// </summary>
    public (Tensor Neighbours, Tensor Indices) Nearest(Tensor z, int topK, Generator? generator, long globalRows, long rowOffset)
    {
        long n = z.shape[0];
        if (rowOffset < 0 || rowOffset + n > globalRows)
            throw new ArgumentException($"rows [{rowOffset}, {rowOffset + n}) are not inside a global batch of {globalRows}");
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var zn = functional.normalize(z.detach().to(_queue.dtype), p: 2, dim: 1);
        var sim = zn.mm(_queue.t());
        Tensor idx;
        if (topK <= 1) idx = sim.argmax(1);
        else
        {
            var (_, best) = sim.topk(topK, dim: 1);
            // CPU generator (TorchSharp has no CUDA generators): on a GPU this small copy is a host→device sync point.
            var pick = torch.randint(0, topK, [globalRows, 1], dtype: ScalarType.Int64, generator: generator);
            if (n != globalRows) pick = pick.narrow(0, rowOffset, n);
            pick = pick.to(best.device);
            idx = best.gather(1, pick).squeeze(1);
        }
        var nn = _queue.index_select(0, idx);
        return (nn.MoveToOuterDisposeScope(), idx.MoveToOuterDisposeScope());
    }

    /// <summary>How many rows of <paramref name="labels"/> equal the label of their neighbour (0-dim int64, on the device).</summary>
    public Tensor Hits(Tensor indices, Tensor labels)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return _labels.index_select(0, indices).eq(labels).sum().MoveToOuterDisposeScope();
    }

    /// <summary>Writes normalize(<paramref name="embeddings"/>) (detached) and labels at the pointer, then advances it, wrapping at Size.</summary>
    public void Enqueue(Tensor embeddings, Tensor labels)
    {
        if (embeddings.shape[0] != BatchSize || labels.shape[0] != BatchSize)
            throw new ArgumentException($"support-set update needs exactly {BatchSize} rows and labels, got {embeddings.shape[0]} and {labels.shape[0]}");
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var zn = functional.normalize(embeddings.detach().to(_queue.dtype), p: 2, dim: 1);
        _queue.narrow(0, _pointer, BatchSize).copy_(zn);
        _labels.narrow(0, _pointer, BatchSize).copy_(labels);
        _pointer = (_pointer + BatchSize) % Size;
    }

    /// <summary>Replaces the contents (from a snapshot); shapes must match.</summary>
    internal void Load(Tensor queue, Tensor labels, long pointer)
    {
        if (pointer < 0 || pointer >= Size || pointer % BatchSize != 0)
            throw new ArgumentException($"support-set pointer {pointer} is not a multiple of {BatchSize} in [0, {Size})");
        using var noGrad = torch.no_grad();
        _queue.copy_(queue);
        _labels.copy_(labels);
        _pointer = pointer;
    }

    public void Dispose()
    {
        _queue.Dispose();
        _labels.Dispose();
    }
}
