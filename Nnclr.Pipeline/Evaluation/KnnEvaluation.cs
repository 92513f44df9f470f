using Nnclr.Data.Shards;
using Nnclr.Model;
using static TorchSharp.torch;

namespace Nnclr.Pipeline.Evaluation;

/// <summary>Weighted kNN (cosine, k, τ as in solo-learn / InstDisc) of a feature function: train split as memory, test split as queries.</summary>
/// Images are preprocessed on <paramref name="threads"/> workers (as Pipeline:AugmentThreads), overlapping the network.
public sealed class KnnEvaluation(ShardDataset train, ShardDataset test, int viewSize, float[] mean, float[] std, int k = 200, double temperature = 0.1, int threads = 0)
{
    public ShardDataset Train => train;
    public ShardDataset Test => test;
    public int K => k;
    public double Temperature => temperature;

    /// <summary>Number of classes (from the train manifest).</summary>
    public int Classes => train.Classes.Count;

    /// <summary>The same evaluation with another k and τ.</summary>
    public KnnEvaluation With(int newK, double newTemperature) => new(train, test, viewSize, mean, std, newK, newTemperature, threads);

    /// <summary>Images one pass reads: the memory (train) and the queries (test), within the limits.</summary>
    public int Images(int limitTrain = 0, int limitTest = 0) =>
        (limitTrain > 0 ? Math.Min(limitTrain, train.Count) : train.Count) + (limitTest > 0 ? Math.Min(limitTest, test.Count) : test.Count);

    /// <summary>Top-1 and top-5 accuracy as fractions in [0, 1].</summary>
    public (double Top1, double Top5) Evaluate(Func<Tensor, Tensor> features, Device device, int limitTrain = 0, int limitTest = 0,
        CancellationToken cancel = default) =>
        EvaluateMany([features], device, limitTrain, limitTest, cancel)[0];

    /// <summary>
    /// kNN accuracy of several networks on the same images (e.g. trained and random-init): each split is read and
    /// preprocessed once for all of them (<see cref="FeatureExtractor.ExtractMany"/>). One (top-1, top-5) per network, in order.
    /// </summary>
    /// <remarks><paramref name="progress"/> is told the images of each batch done; <paramref name="done"/> each network's
    /// result (its index) as soon as it is classified, before the next network's.</remarks>
    public (double Top1, double Top5)[] EvaluateMany(IReadOnlyList<Func<Tensor, Tensor>> networks, Device device, int limitTrain = 0, int limitTest = 0,
        CancellationToken cancel = default, Action<int>? progress = null, Action<int, (double Top1, double Top5)>? done = null) =>
        OnFeatures(networks, device, limitTrain, limitTest, cancel, progress, done,
            (trF, trL, teF, teL) => Knn.Evaluate(trF, trL, teF, teL, Classes, Math.Min(k, (int)trF.shape[0]), temperature));

    /// <summary>Linear probe on the same frozen features.</summary>
    public (double Top1, double Top5) EvaluateLinear(Func<Tensor, Tensor> features, Device device, int epochs, long seed,
        CancellationToken cancel = default) =>
        OnFeatures([features], device, 0, 0, cancel, null, null,
            (trF, trL, teF, teL) => LinearProbe.Evaluate(trF, trL, teF, teL, Classes, epochs, seed))[0];

    // Extracts both splits' features for every network, applies the classifier to each network's, and frees the features.
    private (double, double)[] OnFeatures(IReadOnlyList<Func<Tensor, Tensor>> networks, Device device, int limitTrain, int limitTest, CancellationToken cancel,
        Action<int>? progress, Action<int, (double, double)>? done, Func<Tensor, Tensor, Tensor, Tensor, (double, double)> classify)
    {
        var (trF, trL) = FeatureExtractor.ExtractMany(train, networks, device, viewSize, mean, std, limit: limitTrain, threads: threads, cancel: cancel, progress: progress);
        try
        {
            var (teF, teL) = FeatureExtractor.ExtractMany(test, networks, device, viewSize, mean, std, limit: limitTest, threads: threads, cancel: cancel, progress: progress);
            try
            {
                var results = new (double, double)[networks.Count];
                for (int i = 0; i < networks.Count; i++)
                {
                    cancel.ThrowIfCancellationRequested();
                    results[i] = classify(trF[i], trL, teF[i], teL);
                    done?.Invoke(i, results[i]);
                }
                return results;
            }
            finally
            {
                foreach (var f in teF) f.Dispose();
                teL.Dispose();
            }
        }
        finally
        {
            foreach (var f in trF) f.Dispose();
            trL.Dispose();
        }
    }
}
