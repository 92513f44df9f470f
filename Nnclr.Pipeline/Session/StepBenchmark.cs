using System.Diagnostics;
using Nnclr.Pipeline.Configuration;
using Nnclr.Model;
using Nnclr.Model.Runtime;
using TorchSharp;

namespace Nnclr.Pipeline.Session;

/// <summary>The full NNCLR step on synthetic data already on the device: the ceiling the data pipeline must feed.</summary>
public static class StepBenchmark
{
    /// <summary>
    /// Milliseconds per step and images per second (an image = two views) over <paramref name="steps"/> timed steps, with
    /// libtorch's intra-op thread count and version.
    /// </summary>
    public static (double MsPerStep, double ImagesPerSecond, int TorchThreads, string Libtorch) Run(TrainingConfig cfg, string device, int steps, int warmup)
    {
        TorchRuntime.EnsureLoaded();
        var dev = torch.device(device);
        int b = cfg.Optim.BatchSize, s = cfg.Augment.ViewSize;
        using var trainer = ConfigMapping.CreateTrainer(cfg, stepsPerEpoch: 1000, dev);
        using var gen = new torch.Generator(7);
        using var views = torch.randn([2L * b, 3, s, s], generator: gen).to(dev);
        using var labels = torch.randint(0, 10, [b], generator: gen, dtype: torch.int64).to(dev);
        for (int i = 0; i < warmup; i++) OneStep(trainer, views, labels, sync: i == warmup - 1);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) OneStep(trainer, views, labels, sync: i == steps - 1);
        double seconds = sw.Elapsed.TotalSeconds;
        return (1000 * seconds / steps, steps * (double)b / seconds, torch.get_num_threads(), torch.__version__);
    }

    private static void OneStep(NnclrTrainer trainer, torch.Tensor views, torch.Tensor labels, bool sync)
    {
        using var scope = torch.NewDisposeScope();
        var output = trainer.Step(views, labels);
        // Host sync only on the last step of a phase, so the timing covers all queued GPU work.
        if (sync) _ = output.Loss.item<float>();
    }
}
