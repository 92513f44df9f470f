namespace Nnclr.Model.Tests;

/// <summary>Small real batches for trainer tests: CIFAR images pooled to 16×16; view 2 is the mirrored, dimmed view 1.</summary>
internal static class TrainerData
{
    public static ModelOptions TinyModel(string precision = "fp32", bool channelsLast = false) =>
        new() { Backbone = "tiny-cnn", ProjectorHidden = 64, ProjectorOut = 32, PredictorHidden = 64, Precision = precision, ChannelsLast = channelsLast };

    public static NnclrOptions Options(int topK = 1) => new() { SupportSetSize = 64, Temperature = 0.2, TopK = topK };

    /// <summary>One step per "epoch": 2 warm-up steps, cosine decay to 0 at step 60.</summary>
    public static OptimOptions Optim(int batchSize, string optimizer = "lars") => new()
    {
        Optimizer = optimizer, BatchSize = batchSize, LearningRate = optimizer == "adamw" ? 0.01 : 0.4, WarmupEpochs = 2, Epochs = 60,
    };

    /// <summary>A tiny trainer on the CPU with batch <paramref name="n"/>.</summary>
    public static NnclrTrainer Trainer(int n, string optimizer = "lars", int topK = 1, string precision = "fp32", long seed = 0, bool channelsLast = false) =>
        new(TinyModel(precision, channelsLast), Options(topK), Optim(n, optimizer), stepsPerEpoch: 1, seed, torch.CPU);

    /// <summary>Batch number <paramref name="index"/> of size N: views [2N, 3, 16, 16] fp32 and labels [N], both owned by the caller's scope.</summary>
    public static (Tensor Views, Tensor Labels) Batch(int index, int n)
    {
        int start = index * n % (4000 - n);
        var images = torch.tensor(CifarSample.Images(CifarSample.Train, start, n), [n, 3, 32, 32]);
        var v1 = nn.functional.avg_pool2d(images, 2);
        var v2 = v1.flip(3).mul(0.9);
        var labels = torch.tensor(Enumerable.Range(start, n).Select(i => (long)CifarSample.Label(CifarSample.Train, i)).ToArray());
        return (torch.cat([v1, v2], 0), labels);
    }

    /// <summary>Runs steps [from, to) and returns each step's loss (a host sync per step, fine in tests).</summary>
    public static List<float> Run(NnclrTrainer trainer, int from, int to, int n = 16)
    {
        var losses = new List<float>();
        for (int i = from; i < to; i++)
        {
            using var scope = torch.NewDisposeScope();
            var (views, labels) = Batch(i, n);
            using var output = trainer.Step(views, labels);
            losses.Add(output.Loss.item<float>());
        }
        return losses;
    }

    /// <summary>Names of tensors that differ in dtype, shape or a single bit.</summary>
    public static List<string> Differences(TrainerState a, TrainerState b)
    {
        var diff = a.Tensors.Where(t => !b.TryGet(t.Name, out var u) || !t.ContentEquals(u)).Select(t => t.Name).ToList();
        diff.AddRange(b.Tensors.Where(t => !a.TryGet(t.Name, out _)).Select(t => t.Name));
        return diff;
    }
}
