using Nnclr.Model;
using Nnclr.Model.Distributed;
using Nnclr.Model.Runtime;
using Nnclr.Pipeline.Configuration;
using TorchSharp;

namespace Nnclr.Pipeline.Session;

/// <summary>
/// N deterministic NNCLR steps on seeded synthetic data, for comparing engines and world sizes: every step's global batch
/// (views [2B, 3, S, S] and labels [B]) is drawn from a generator seeded by the step, and rank r of N trains on rows
/// [r·B/N, (r+1)·B/N) of each view, as the data path slices a global batch. Returns the global loss of every step
/// (averaged over the ranks) and the final weights and support set as float64 vectors (state-dict order), identical on
/// every rank when the data-parallel maths is right.
/// </summary>
public static class StepTrace
{
    public sealed record Result(double[] Losses, double[] Weights, double[] Support);

    /// <param name="float64">Verification mode (ModelOptions.Float64): the whole step in fp64, so that runs differing only in how sums are split compare far below fp32's rounding.</param>
    public static Result Run(TrainingConfig cfg, string device, int steps, ICollectives comm, bool float64 = false)
    {
        TorchRuntime.EnsureLoaded();
        if (cfg.Run.Deterministic) TorchRuntime.UseDeterministicAlgorithms();
        var dev = torch.device(device);
        int global = cfg.Optim.BatchSize, s = cfg.Augment.ViewSize;
        if (global % comm.WorldSize != 0) throw new ConfigurationException($"Optim:BatchSize {global} is not divisible by the world size {comm.WorldSize}");
        int local = global / comm.WorldSize;
        long from = (long)comm.Rank * local;
        cfg.Model.Float64 = float64;
        using var trainer = ConfigMapping.CreateTrainer(cfg, stepsPerEpoch: 1000, dev, comm);
        var losses = new double[steps];
        var loss = new double[1];
        for (int i = 0; i < steps; i++)
        {
            using var scope = torch.NewDisposeScope();
            using var gen = new torch.Generator(1000 + (ulong)i);
            var all = torch.randn([2L * global, 3, s, s], generator: gen);
            var labels = torch.randint(0, 10, [global], generator: gen, dtype: torch.int64);
            var views = torch.cat([all.narrow(0, from, local), all.narrow(0, global + from, local)]).to(dev);
            var output = trainer.Step(views, labels.narrow(0, from, local).contiguous().to(dev));
            loss[0] = output.Loss.item<float>();
            comm.AllReduce(loss, ReduceOp.Average);
            losses[i] = loss[0];
        }
        var state = trainer.Snapshot(null);
        return new Result(losses, Floats(state, t => t.Name.StartsWith("model.", StringComparison.Ordinal)),
            Floats(state, t => t.Name == "support.queue"));
    }

    // The float32/float64 tensors of the state that match, concatenated as float64.
    private static double[] Floats(TrainerState state, Func<StateTensor, bool> which)
    {
        var values = new List<double>();
        foreach (var t in state.Tensors.Where(which))
        {
            if (t.DType == torch.ScalarType.Float32) foreach (var f in System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.Data)) values.Add(f);
            else if (t.DType == torch.ScalarType.Float64) foreach (var d in System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(t.Data)) values.Add(d);
        }
        return values.ToArray();
    }
}
