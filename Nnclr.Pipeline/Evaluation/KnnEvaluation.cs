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

    /// <summary>Images one evaluation reads: the memory (train) and the queries (test), within the limits.</summary>
    public int Images(int limitTrain = 0, int limitTest = 0) =>
        (limitTrain > 0 ? Math.Min(limitTrain, train.Count) : train.Count) + (limitTest > 0 ? Math.Min(limitTest, test.Count) : test.Count);

    /// <summary>Top-1 and top-5 accuracy as fractions in [0, 1]; <paramref name="progress"/> is told the images of each batch done.</summary>
    public (double Top1, double Top5) Evaluate(Func<Tensor, Tensor> features, Device device, int limitTrain = 0, int limitTest = 0,
        CancellationToken cancel = default, Action<int>? progress = null) =>
        OnFeatures(features, device, limitTrain, limitTest, cancel, progress,
            (trF, trL, teF, teL) => Knn.Evaluate(trF, trL, teF, teL, Classes, Math.Min(k, (int)trF.shape[0]), temperature));

    /// <summary>Linear probe on the same frozen features.</summary>
    public (double Top1, double Top5) EvaluateLinear(Func<Tensor, Tensor> features, Device device, int epochs, long seed,
        CancellationToken cancel = default) =>
        OnFeatures(features, device, 0, 0, cancel, null,
            (trF, trL, teF, teL) => LinearProbe.Evaluate(trF, trL, teF, teL, Classes, epochs, seed));

    // Extracts both splits' features, applies the classifier, and frees the features.
    private (double, double) OnFeatures(Func<Tensor, Tensor> features, Device device, int limitTrain, int limitTest, CancellationToken cancel,
        Action<int>? progress, Func<Tensor, Tensor, Tensor, Tensor, (double, double)> classify)
    {
        var (trF, trL) = FeatureExtractor.Extract(train, features, device, viewSize, mean, std, limit: limitTrain, threads: threads, cancel: cancel, progress: progress);
        using (trF)
        using (trL)
        {
            var (teF, teL) = FeatureExtractor.Extract(test, features, device, viewSize, mean, std, limit: limitTest, threads: threads, cancel: cancel, progress: progress);
            using (teF)
            using (teL)
                return classify(trF, trL, teF, teL);
        }
    }
}
