using System.Buffers;
using Nnclr.Model;
using Nnclr.Pipeline.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace Nnclr.Pipeline.Embedding;

/// <summary>
/// Runs every image of an <see cref="EmbeddingInput"/> through an <see cref="Encoder"/> in batches: batch b + 1 is
/// decoded and normalised on worker threads while the encoder runs batch b (<see cref="PrefetchedBatches"/>), on the
/// calling thread, which owns the encoder. Two batch buffers are allocated once. Images that cannot be decoded are
/// left out and reported. The result does not depend on the thread count or timing: same inputs, same bytes.
/// </summary>
public static class ImageEmbedder
{
    /// <summary>
    /// Returns the embeddings of the usable images (in input order) and the unusable ones with why.
    /// <paramref name="progress"/> gets (images done, total) after each batch.
    /// </summary>
    public static (EmbeddingSet Set, List<(string Name, string Problem)> Failed) Run(EmbeddingInput input, Encoder encoder, string source,
        int batchSize = 256, int threads = 0, Action<int, int>? progress = null, CancellationToken cancel = default)
    {
        int count = input.Count, size = input.Size, per = 3 * size * size, dim = checked((int)encoder.Dim);
        var problems = new string?[count];
        var output = new float[(long)count * dim];
        var options = new ParallelOptions { MaxDegreeOfParallelism = PipelineSettings.ResolveAugmentThreads(threads), CancellationToken = cancel };
        void Prepare(int start, int n, float[] chw) => Parallel.For(0, n, options,
            () => ArrayPool<byte>.Shared.Rent(input.RawBytes),
            (i, _, raw) =>
            {
                var dst = chw.AsSpan(i * per, per);
                if ((problems[start + i] = input.Prepare(start + i, raw, dst)) is not null) dst.Clear();
                return raw;
            },
            raw => ArrayPool<byte>.Shared.Return(raw));
        PrefetchedBatches.Run(count, batchSize, per, Prepare, (start, n, chw) =>
        {
            using (var scope = NewDisposeScope())
            {
                var x = torch.tensor(chw, [batchSize, 3, size, size]).narrow(0, 0, n).to(encoder.Device);
                var e = encoder.Embed(x).cpu().contiguous();
                e.data<float>().CopyTo(output.AsSpan(start * dim, n * dim));
            }
            progress?.Invoke(start + n, count);
        }, cancel);
        var failed = new List<(string, string)>();
        var keep = new List<int>(count);
        for (int i = 0; i < count; i++)
            if (problems[i] is { } p) failed.Add((input.Names[i], p));
            else keep.Add(i);
        if (failed.Count == 0) return (new EmbeddingSet(output, input.Names, dim, source), failed);
        var compact = new float[(long)keep.Count * dim];
        for (int r = 0; r < keep.Count; r++) output.AsSpan(keep[r] * dim, dim).CopyTo(compact.AsSpan(r * dim, dim));
        return (new EmbeddingSet(compact, keep.Select(i => input.Names[i]).ToList(), dim, source), failed);
    }
}
