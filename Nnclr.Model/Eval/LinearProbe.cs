namespace Nnclr.Model;

/// <summary>
/// Linear probe on frozen features: features standardised with the training set's mean and std, one linear layer
/// trained with cross-entropy by SGD (momentum 0.9, batch 256, lr 0.1 with cosine decay, no weight decay),
/// shuffled by a seeded generator; accuracy on the test features.
/// </summary>
public static class LinearProbe
{
    private const int BatchSize = 256;
    private const double PeakLr = 0.1;

    /// <summary>Top-1 and top-5 test accuracy as fractions in [0, 1]. Features [N, D], labels [N] int64, all on one device.</summary>
    public static (double Top1, double Top5) Evaluate(Tensor trainFeatures, Tensor trainLabels, Tensor testFeatures, Tensor testLabels,
        int numClasses, int epochs = 100, long seed = 0)
    {
        if (trainFeatures.shape[0] != trainLabels.shape[0] || testFeatures.shape[0] != testLabels.shape[0])
            throw new ArgumentException("linear probe: features and labels differ in length");
        if (numClasses < 1 || epochs < 1) throw new ArgumentException($"linear probe: numClasses ({numClasses}) and epochs ({epochs}) must be positive");
        using var scope = torch.NewDisposeScope();
        var device = trainFeatures.device;
        var train = trainFeatures.detach().to(ScalarType.Float32);
        var mean = train.mean([0], keepdim: true);
        var std = train.std(0, keepdim: true).clamp_min_(1e-6);
        train = (train - mean) / std;
        var test = (testFeatures.detach().to(ScalarType.Float32) - mean) / std;
        var trainY = trainLabels.to(ScalarType.Int64);

        using var generator = new Generator(unchecked((ulong)seed));
        using var head = new LinearLayer(train.shape[1], numClasses);
        head.InitDefault(generator);
        head.to(device);
        var parameters = StateDictOrder.Entries(head).Select(e => (e.Key, (Parameter)e.Tensor)).ToList();
        var sgd = new Sgd(parameters, momentum: 0.9, weightDecay: 0);
        long n = train.shape[0], stepsPerEpoch = (n + BatchSize - 1) / BatchSize;
        var schedule = new LrSchedule(PeakLr, 0, epochs * stepsPerEpoch);
        long step = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            using var epochScope = torch.NewDisposeScope();
            var order = torch.randperm(n, generator: generator).to(device);
            for (long start = 0; start < n; start += BatchSize)
            {
                using var stepScope = torch.NewDisposeScope();
                var idx = order.narrow(0, start, Math.Min(BatchSize, n - start));
                head.zero_grad();
                var loss = functional.cross_entropy(head.call(train.index_select(0, idx)), trainY.index_select(0, idx));
                loss.backward();
                sgd.Step(schedule.At(step++));
            }
        }
        foreach (var (_, t) in sgd.State) t.Dispose();
        using var noGrad = torch.no_grad();
        var (top1, top5) = TopKAccuracy.Count(head.call(test), testLabels.to(ScalarType.Int64));
        long m = test.shape[0];
        return m == 0 ? (0, 0) : ((double)top1 / m, (double)top5 / m);
    }
}
