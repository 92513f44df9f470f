namespace Nnclr.Model.Tests;

public sealed class EvalTests
{
    public EvalTests() => TorchSetup.Ensure();

    [Fact]
    public void Knn_SmallCase_EqualsHandComputedWeightedVote()
    {
        // Train points on the unit circle at the given angles (degrees) with labels; the test points' answers
        // depend on the exp(sim / τ) weighting, computed here by hand.
        double[] trainAngles = [0, 10, 20, 90, 100, 180, 270];
        long[] trainLabels = [0, 1, 1, 2, 2, 0, 1];
        double[] testAngles = [2, 12, 95, 200, 260];
        long[] testLabels = [0, 1, 2, 1, 1];
        const int k = 3, classes = 3;
        const double tau = 0.1;

        int top1 = 0, top2 = 0;
        foreach (var (angle, label) in testAngles.Zip(testLabels))
        {
            var sims = trainAngles.Select((a, i) => (Sim: Math.Cos((angle - a) * Math.PI / 180), Label: trainLabels[i]))
                .OrderByDescending(s => s.Sim).Take(k);
            var votes = new double[classes];
            foreach (var (sim, l) in sims) votes[l] += Math.Exp(sim / tau);
            var ranked = Enumerable.Range(0, classes).OrderByDescending(c => votes[c]).ToList();
            if (ranked[0] == label) top1++;
            if (ranked.Take(2).Contains((int)label)) top2++;
        }

        using var scope = torch.NewDisposeScope();
        Tensor Points(double[] angles) => torch.tensor(angles.SelectMany(a => new[] { (float)(2 * Math.Cos(a * Math.PI / 180)), (float)(2 * Math.Sin(a * Math.PI / 180)) }).ToArray(), [angles.Length, 2]);
        var (t1, t5) = Knn.Evaluate(Points(trainAngles), torch.tensor(trainLabels), Points(testAngles), torch.tensor(testLabels), classes, k, tau, chunk: 2);
        Assert.Equal((double)top1 / testAngles.Length, t1, 12);
        Assert.Equal(1.0, t5, 12); // 3 classes: every label is in the top 5
        Assert.True(top1 < testAngles.Length, "the case should contain a miss");
        Assert.True(top2 >= top1);
    }

    [Fact]
    public void Knn_CifarPixels_BeatsChanceAndShuffledLabels()
    {
        // Raw-pixel cosine kNN on real CIFAR-10: 4,000 training and 1,000 held-out images.
        using var scope = torch.NewDisposeScope();
        var trainX = torch.tensor(CifarSample.Images(CifarSample.Train, 0, 4000), [4000, 3072]);
        var heldX = torch.tensor(CifarSample.Images(CifarSample.HeldOut, 0, 1000), [1000, 3072]);
        var trainY = torch.tensor(Enumerable.Range(0, 4000).Select(i => (long)CifarSample.Label(CifarSample.Train, i)).ToArray());
        var heldY = torch.tensor(Enumerable.Range(0, 1000).Select(i => (long)CifarSample.Label(CifarSample.HeldOut, i)).ToArray());
        var (top1, top5) = Knn.Evaluate(trainX, trainY, heldX, heldY, 10, k: 50);
        var shuffled = trainY.index_select(0, torch.randperm(4000, generator: new Generator(3)));
        var (shuffledTop1, _) = Knn.Evaluate(trainX, shuffled, heldX, heldY, 10, k: 50);
        Assert.InRange(top1, 0.20, 0.45);
        Assert.True(top5 > top1 + 0.3, $"top5 {top5}, top1 {top1}");
        Assert.InRange(shuffledTop1, 0.05, 0.16);
    }

    [Fact]
    public void LinearProbe_SeparableBlobs_NearPerfectAndDeterministic()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(5);
        var centres = torch.randn([4, 16], generator: g) * 4;
        (Tensor X, Tensor Y) Blobs(int n)
        {
            var y = torch.randint(0, 4, [n], dtype: ScalarType.Int64, generator: g);
            return (centres.index_select(0, y) + torch.randn([n, 16], generator: g), y);
        }
        var (trX, trY) = Blobs(1000);
        var (teX, teY) = Blobs(400);
        var a = LinearProbe.Evaluate(trX, trY, teX, teY, 4, epochs: 5, seed: 1);
        var b = LinearProbe.Evaluate(trX, trY, teX, teY, 4, epochs: 5, seed: 1);
        Assert.True(a.Top1 > 0.95, $"top1 {a.Top1}");
        Assert.Equal(1.0, a.Top5);
        Assert.Equal(a, b);
        // Labels unrelated to the features: the probe cannot generalise.
        var (noise, _) = LinearProbe.Evaluate(trX, torch.randint(0, 4, [1000], dtype: ScalarType.Int64, generator: g), teX, teY, 4, epochs: 5, seed: 1);
        Assert.InRange(noise, 0.0, 0.45);
    }
}
