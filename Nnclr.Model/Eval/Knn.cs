namespace Nnclr.Model;

/// <summary>
/// Weighted kNN on frozen features, as solo-learn's WeightedKNNClassifier / InstDisc: cosine similarity on
/// l2-normalised features, the k most similar training samples vote for their class with weight exp(sim / τ);
/// classes ranked by total vote.
/// </summary>
public static class Knn
{
    /// <summary>Top-1 and top-5 accuracy as fractions in [0, 1]. Features [N, D] (any float dtype), labels [N] int64, all on one device.</summary>
    public static (double Top1, double Top5) Evaluate(Tensor trainFeatures, Tensor trainLabels, Tensor testFeatures, Tensor testLabels,
        int numClasses, int k = 200, double temperature = 0.1, int chunk = 1024)
    {
        if (trainFeatures.shape[0] != trainLabels.shape[0] || testFeatures.shape[0] != testLabels.shape[0])
            throw new ArgumentException("kNN: features and labels differ in length");
        if (k < 1 || numClasses < 1 || chunk < 1 || !(temperature > 0))
            throw new ArgumentException($"kNN: k ({k}), numClasses ({numClasses}), chunk ({chunk}) and temperature ({temperature}) must be positive");
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var train = functional.normalize(trainFeatures.to(ScalarType.Float32), p: 2, dim: 1);
        var test = functional.normalize(testFeatures.to(ScalarType.Float32), p: 2, dim: 1);
        var trainY = trainLabels.to(ScalarType.Int64);
        int kk = (int)Math.Min(k, train.shape[0]);
        long n = test.shape[0], top1 = 0, top5 = 0;
        for (long start = 0; start < n; start += chunk)
        {
            using var inner = torch.NewDisposeScope();
            long b = Math.Min(chunk, n - start);
            var sim = test.narrow(0, start, b).mm(train.t());
            var (weights, idx) = sim.topk(kk, dim: 1);
            var neighbourLabels = trainY.index_select(0, idx.flatten()).view(b, kk);
            var votes = torch.zeros([b, numClasses], device: sim.device).scatter_add_(1, neighbourLabels, weights.div(temperature).exp_());
            var (c1, c5) = TopKAccuracy.Count(votes, testLabels.narrow(0, start, b).to(ScalarType.Int64));
            top1 += c1; top5 += c5;
        }
        return n == 0 ? (0, 0) : ((double)top1 / n, (double)top5 / n);
    }
}
