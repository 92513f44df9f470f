using System.Buffers;
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
    /// as Pipeline:AugmentThreads 0 (<see cref="PipelineSettings.ResolveAugmentThreads"/>).
    /// </summary>
    public static (Tensor Features, Tensor Labels) Extract(ShardDataset data, Func<Tensor, Tensor> features, Device device,
        int viewSize, float[] mean, float[] std, int batchSize = 512, int limit = 0, int threads = 0, CancellationToken cancel = default)
    {
        int count = limit > 0 ? Math.Min(limit, data.Count) : data.Count;
        int per = 3 * viewSize * viewSize;
        var buffers = new[] { new float[batchSize * per], new float[batchSize * per] };
        var labels = new long[count];
        var parts = new List<Tensor>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = PipelineSettings.ResolveAugmentThreads(threads), CancellationToken = cancel };
        // Reads and preprocesses records [start, start + n) into chw; each worker has its own record buffer (and, for
        // jpeg records, its own decoder: decoded at the smallest DCT scale whose shorter side still reaches viewSize).
        bool jpeg = data.Codec == ShardCodec.Jpeg;
        var decoders = new System.Collections.Concurrent.ConcurrentBag<EncodedImageDecoder>();
        void Prepare(int start, int n, float[] chw) => Parallel.For(0, n, options,
            () => (Raw: ArrayPool<byte>.Shared.Rent(jpeg ? data.MaxRecordBytes : data.ImageBytes), Decoder: jpeg ? (decoders.TryTake(out var d) ? d : new EncodedImageDecoder(Math.Max(data.Height, data.Width))) : null),
            (i, _, w) =>
            {
                long index = start + i;
                if (w.Decoder is null)
                {
                    labels[index] = data.ReadRecord(index, w.Raw);
                    Preprocess.ToNormalizedChw(w.Raw, data.Height, data.Width, viewSize, mean, std, chw.AsSpan(i * per, per));
                }
                else
                {
                    var (length, label) = data.ReadEncoded(index, w.Raw);
                    labels[index] = label;
                    var (rgba, width, height) = w.Decoder.Decode(w.Raw.AsSpan(0, length), viewSize, $"{data.Directory} split '{data.Split}' record {index}");
                    Preprocess.ToNormalizedChw(rgba.Span, height, width, viewSize, mean, std, chw.AsSpan(i * per, per), pixelBytes: 4);
                }
                return w;
            },
            w => { ArrayPool<byte>.Shared.Return(w.Raw); if (w.Decoder is not null) decoders.Add(w.Decoder); });
        Task? next = null;
        try
        {
            if (count > 0) next = Task.Run(() => Prepare(0, Math.Min(batchSize, count), buffers[0]), cancel);
            for (int start = 0, b = 0; start < count; start += batchSize, b++)
            {
                int n = Math.Min(batchSize, count - start);
                next!.GetAwaiter().GetResult();
                cancel.ThrowIfCancellationRequested();
                var chw = buffers[b & 1];
                // Both captured per iteration: the for-loop's own `b` is one variable, advanced before the task may run.
                int following = start + batchSize;
                var target = buffers[(b + 1) & 1];
                next = following < count
                    ? Task.Run(() => Prepare(following, Math.Min(batchSize, count - following), target), cancel)
                    : null;
                using var scope = NewDisposeScope();
                var x = torch.tensor(chw, [batchSize, 3, viewSize, viewSize]).narrow(0, 0, n).to(device);
                // Copying the features to the CPU synchronises with the device: evaluation only, not the step.
                parts.Add(features(x).to(CPU).MoveToOuterDisposeScope());
            }
            return (torch.cat(parts, 0), torch.tensor(labels));
        }
        finally
        {
            // A cancelled or failed run still waits for the worker filling the other buffer before returning.
            try { next?.Wait(CancellationToken.None); } catch (AggregateException) { }
            foreach (var p in parts) p.Dispose();
        }
    }
}
