using System.Globalization;
using System.Text.Json;
using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Model.Distributed;
using Nnclr.Pipeline.Session;

namespace Nnclr.Host.Commands;

/// <summary>
/// `nnclr bench trace`: N deterministic steps on seeded synthetic data with a chosen engine and world size, printing as
/// JSON every step's global loss and checksums of the final weights and support set (and, with --dump, the vectors
/// themselves), so two runs can be compared: one process vs `mpirun -np 2` on the CPU, or --engine single vs
/// --engine nccl on one GPU (NCCL at world 1 runs without a launcher).
/// </summary>
public sealed class BenchTraceCommand : ICliCommand
{
    public string Name => "bench trace";
    public string Summary => "deterministic steps on synthetic data: per-step losses and weight checksums as JSON, to compare engines and world sizes";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        .. SharedOptions.Bench,
        CliOption.Int("steps", "Steps", "20"),
        CliOption.Text("engine", "auto|single|mpi|nccl", "Collectives engine (Run:Engine)", "auto"),
        CliOption.Text("dump", "FILE", "Rank 0 writes the final weights and support set (JSON arrays) to FILE"),
        CliOption.Switch("float64", "Verification: the whole step in fp64 (sums split over ranks then agree far below fp32 rounding)"),
    ];

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        int steps = args.Int("steps") ?? 20;
        if (steps < 1) throw new CliException("--steps must be >= 1");
        var engine = args.String("engine") ?? "auto";
        var dump = args.String("dump");
        bool float64 = args.Flag("float64");
        var cfg = BenchConfig.Resolve(args, out var device, new Dictionary<string, string?> { ["Run:Deterministic"] = "true", ["Run:Engine"] = engine });
        args.EnsureAllUsed();
        using var comm = CollectivesFactory.Open(engine, LaunchInfo.Current, device);
        ProcessCollectives.CheckSameConfiguration(comm, cfg.ToJson());
        var r = StepTrace.Run(cfg, device, steps, comm, float64);
        if (comm.Rank != 0) return Task.FromResult(0);
        var result = new Dictionary<string, object?>
        {
            ["bench"] = "trace", ["engine"] = comm.Engine, ["ranks"] = comm.WorldSize, ["device"] = device, ["preset"] = cfg.Run.Preset,
            ["backbone"] = cfg.Model.Backbone, ["global_batch"] = cfg.Optim.BatchSize, ["steps"] = steps, ["float64"] = float64,
            ["losses"] = r.Losses,
            ["weights"] = Checksum(r.Weights), ["support_set"] = Checksum(r.Support),
        };
        Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        if (dump is not null)
            File.WriteAllText(dump, JsonSerializer.Serialize(new { losses = r.Losses, weights = r.Weights, support_set = r.Support }));
        return Task.FromResult(0);
    }

    private static Dictionary<string, object> Checksum(double[] v) => new()
    {
        ["count"] = v.Length,
        ["sum"] = v.Sum(),
        ["abs_sum"] = v.Sum(Math.Abs),
        ["l2"] = Math.Sqrt(v.Sum(x => x * x)),
        ["first"] = v.Take(4).Select(x => x.ToString("R", CultureInfo.InvariantCulture)).ToArray(),
    };
}
