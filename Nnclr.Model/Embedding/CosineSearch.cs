using static TorchSharp.torch;

namespace Nnclr.Model;

/// <summary>
/// Exact cosine search over an <see cref="EmbeddingSet"/> (unit rows, so cosine = dot product) on one device, as
/// matrix products of <see cref="ChunkRows"/> query rows against all N rows: N·Q·D multiply-adds and a
/// [chunk, N] fp32 score block on the device at a time (4 GB at chunk 1,024 and N 1,000,000). Duplicates compare
/// every pair once: N²·D/2… N²·D multiply-adds (a million 512-d vectors: about 5·10¹⁴, minutes on a GPU).
/// </summary>
public sealed class CosineSearch : IDisposable
{
    /// <summary>Query rows per matrix product.</summary>
    public const int ChunkRows = 1024;

    /// <summary>Most linked pairs one chunk may produce before <see cref="Duplicates"/> refuses the threshold (bounds host memory).</summary>
    public const long MaxPairsPerChunk = 20_000_000;

    // All N rows [N, D] fp32 on the device.
    private readonly Tensor _all;

    /// <summary>As below on the device named <paramref name="device"/> ("cpu", "cuda", "cuda:N").</summary>
    public CosineSearch(EmbeddingSet set, string device) : this(set, torch.device(device)) { }

    public CosineSearch(EmbeddingSet set, Device device)
    {
        Set = set;
        _all = tensor(set.Vectors, [set.Count, set.Dim]).to(device);
    }

    /// <summary>The searched set.</summary>
    public EmbeddingSet Set { get; }

    /// <summary>The <paramref name="k"/> rows nearest to <paramref name="query"/> (unit length, size D), best first, optionally skipping row <paramref name="exclude"/>.</summary>
    public List<(int Index, float Score)> TopK(ReadOnlySpan<float> query, int k, int exclude = -1)
    {
        if (query.Length != Set.Dim) throw new ArgumentException($"query has {query.Length} values, the embeddings {Set.Dim}");
        using var scope = NewDisposeScope();
        var q = tensor(query.ToArray(), [1, Set.Dim]).to(_all.device);
        var scores = matmul(q, _all.t()).squeeze(0);
        if (exclude >= 0 && exclude < Set.Count) scores[exclude] = float.NegativeInfinity;
        int take = Math.Min(k, Set.Count - (exclude >= 0 ? 1 : 0));
        var (values, indices) = scores.topk(take);
        var v = values.cpu().data<float>().ToArray();
        var i = indices.cpu().data<long>().ToArray();
        var result = new List<(int, float)>(take);
        for (int j = 0; j < take; j++) result.Add(((int)i[j], v[j]));
        return result;
    }

    /// <summary>
    /// Groups of rows whose cosine similarity is ≥ <paramref name="threshold"/> (connected components of that graph),
    /// each sorted, groups ordered by their first row; singletons left out. <paramref name="progress"/> gets rows done.
    /// </summary>
    public List<int[]> Duplicates(float threshold, Action<int>? progress = null, CancellationToken cancel = default)
    {
        int n = Set.Count;
        var parent = new int[n];
        for (int i = 0; i < n; i++) parent[i] = i;
        int Find(int x) { while (parent[x] != x) x = parent[x] = parent[parent[x]]; return x; }
        for (int start = 0; start < n; start += ChunkRows)
        {
            cancel.ThrowIfCancellationRequested();
            int rows = Math.Min(ChunkRows, n - start);
            using var scope = NewDisposeScope();
            // Only pairs (i, j) with j > i: the rows from start on, masked below the diagonal.
            var block = matmul(_all.narrow(0, start, rows), _all.narrow(0, start, n - start).t());
            var mask = block.ge(threshold).triu(1);
            long linked = mask.sum().item<long>();
            if (linked > MaxPairsPerChunk)
                throw new InvalidOperationException($"threshold {threshold} links {linked:N0} pairs among rows {start}…{start + rows - 1} alone (more than {MaxPairsPerChunk:N0}): it is too loose for near-duplicates; raise it");
            var pairs = mask.nonzero().cpu();
            if (pairs.shape[0] > 0)
            {
                var p = pairs.data<long>().ToArray();
                for (long e = 0; e < p.LongLength; e += 2)
                {
                    int a = Find(start + (int)p[e]), b = Find(start + (int)p[e + 1]);
                    if (a != b) parent[Math.Max(a, b)] = Math.Min(a, b);
                }
            }
            progress?.Invoke(start + rows);
        }
        var groups = new Dictionary<int, List<int>>();
        for (int i = 0; i < n; i++)
        {
            int r = Find(i);
            if (!groups.TryGetValue(r, out var g)) groups[r] = g = [];
            g.Add(i);
        }
        return groups.Values.Where(g => g.Count > 1).Select(g => g.ToArray()).OrderBy(g => g[0]).ToList();
    }

    public void Dispose() => _all.Dispose();
}
