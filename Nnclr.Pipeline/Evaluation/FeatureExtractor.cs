using Nnclr.Data.Augment;
using Nnclr.Data.Shards;
using TorchSharp;
using static TorchSharp.torch;

namespace Nnclr.Pipeline.Evaluation;

/// <summary>
/// Frozen features of a whole split for kNN / linear evaluation: records in file order, centre view (no
/// augmentation), normalised like training, pushed through <c>features</c> in batches. Used on the thread that
/// owns the model.
/// </summary>
public static class FeatureExtractor
{
    /// <summary>
    /// Returns ([Count, D] fp32 features, [Count] int64 labels), both on the CPU and owned by the caller.
    /// <paramref name="limit"/> &gt; 0 uses only the first records (quick monitoring).
    /// </summary>
    public static (Tensor Features, Tensor Labels) Extract(ShardDataset data, Func<Tensor, Tensor> features, Device device,
        int viewSize, float[] mean, float[] std, int batchSize = 512, int limit = 0)
    {
        int count = limit > 0 ? Math.Min(limit, data.Count) : data.Count;
        var raw = new byte[data.ImageBytes];
        var chw = new float[batchSize * 3 * viewSize * viewSize];
        var labels = new long[count];
        var parts = new List<Tensor>();
        try
        {
            for (int start = 0; start < count; start += batchSize)
            {
                int n = Math.Min(batchSize, count - start);
                int per = 3 * viewSize * viewSize;
                for (int i = 0; i < n; i++)
                {
                    labels[start + i] = data.ReadRecord(start + i, raw);
                    Preprocess.ToNormalizedChw(raw, data.Height, data.Width, viewSize, mean, std, chw.AsSpan(i * per, per));
                }
                using var scope = NewDisposeScope();
                var x = torch.tensor(chw, [batchSize, 3, viewSize, viewSize]).narrow(0, 0, n).to(device);
                // Copying the features to the CPU synchronises with the device: evaluation only, not the step.
                parts.Add(features(x).to(CPU).MoveToOuterDisposeScope());
            }
            return (torch.cat(parts, 0), torch.tensor(labels));
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }
}
