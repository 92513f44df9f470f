using Nnclr.Data.Augment;
using Nnclr.Data.Shards;
using TorchSharp;
using static TorchSharp.torch;

namespace Nnclr.Pipeline.Evaluation;

/// <summary>
/// Frozen features of a whole split for kNN / linear evaluation: records in file order, centre view (no
/// augmentation), normalised like training, pushed through <c>features</c> in batches. Batch b + 1 is read and
/// preprocessed on <c>threads</c> worker threads while the network runs batch b; the call runs on the thread
/// that owns the feature network. Cancellation is checked between batches.
/// </summary>
public static class FeatureExtractor
{
    /// <summary>
    /// Returns ([Count, D] fp32 features, [Count] int64 labels), both on the CPU and owned by the caller.
    /// <paramref name="limit"/> &gt; 0 uses only the first records (quick monitoring). <paramref name="threads"/> ≤ 0:
    /// as Pipeline:AugmentThreads 0 (<see cref="PipelineSettings.ResolveAugmentThreads"/>). <paramref name="progress"/> is
    /// told the images of each batch once its features are computed (on the calling thread).
    /// </summary>
    public static (Tensor Features, Tensor Labels) Extract(ShardDataset data, Func<Tensor, Tensor> features, Device device,
        int viewSize, float[] mean, float[] std, int batchSize = 512, int limit = 0, int threads = 0, CancellationToken cancel = default,
        Action<int>? progress = null)
    {
        var (all, labels) = ExtractMany(data, [features], device, viewSize, mean, std, batchSize, limit, threads, cancel, progress);
        return (all[0], labels);
    }

    /// <summary>
    /// As <see cref="Extract"/> for several networks in one pass: each batch is read, decoded and preprocessed once
    /// and uploaded once, then goes through every network (the final evaluation's trained and random-init backbones).
    /// Returns one feature tensor per network, in order, and the labels; all owned by the caller.
    /// </summary>
    public static (Tensor[] Features, Tensor Labels) ExtractMany(ShardDataset data, IReadOnlyList<Func<Tensor, Tensor>> networks, Device device,
        int viewSize, float[] mean, float[] std, int batchSize = 512, int limit = 0, int threads = 0, CancellationToken cancel = default,
        Action<int>? progress = null)
    {
        int count = limit > 0 ? Math.Min(limit, data.Count) : data.Count;
        int per = 3 * viewSize * viewSize;
        var labels = new long[count];
        var parts = networks.Select(_ => new List<Tensor>()).ToArray();
        var options = new ParallelOptions { MaxDegreeOfParallelism = PipelineSettings.ResolveAugmentThreads(threads), CancellationToken = cancel };
        // One reader (record buffer, and a decoder for jpeg records) per worker, reused from batch to batch.
        var readers = new System.Collections.Concurrent.ConcurrentBag<CentreViewReader>();
        void Prepare(int start, int n, float[] chw) => Parallel.For(0, n, options,
            () => readers.TryTake(out var r) ? r : new CentreViewReader(data, viewSize, mean, std),
            (i, _, reader) =>
            {
                labels[start + i] = reader.Read(start + i, chw.AsSpan(i * per, per));
                return reader;
            },
            readers.Add);
        try
        {
            PrefetchedBatches.Run(count, batchSize, per, Prepare, (start, n, chw) =>
            {
                using var scope = NewDisposeScope();
                // Copied out of the buffer the worker refills next (a feature function may return a view of its input),
                // uploaded once for all networks.
                var x = torch.tensor(chw, [batchSize, 3, viewSize, viewSize]).narrow(0, 0, n).to(device);
                // Copying the features to the CPU synchronises with the device: evaluation only, not the step.
                for (int k = 0; k < networks.Count; k++)
                    parts[k].Add(networks[k](x).to(CPU).MoveToOuterDisposeScope());
                progress?.Invoke(n);
            }, cancel);
            return (parts.Select(p => torch.cat(p, 0)).ToArray(), torch.tensor(labels));
        }
        finally
        {
            foreach (var list in parts)
                foreach (var p in list) p.Dispose();
        }
    }
}
