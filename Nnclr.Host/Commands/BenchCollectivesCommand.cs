using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Nnclr.Host.Cli;
using Nnclr.Model.Distributed;
using Nnclr.Model.Runtime;
using TorchSharp;

namespace Nnclr.Host.Commands;

/// <summary>
/// `nnclr bench collectives`: all-reduce (sum, float32) of 1–256 MB with the training engine (Open MPI on CPU tensors
/// here, NCCL on CUDA tensors), run under the launcher (`mpirun -np N nnclr bench collectives`). Reports, as nccl-tests
/// define them, the algorithm bandwidth (bytes / time) and the bus bandwidth (algorithm bandwidth × 2(N−1)/N, what a
/// ring all-reduce moves per link), the slowest rank's time counting; and checks every result (rank r contributes r + 1
/// everywhere, so every element must be N(N+1)/2). Rank 0 prints and writes --out.
/// </summary>
public sealed class BenchCollectivesCommand : ICliCommand
{
    public string Name => "bench collectives";
    public string Summary => "all-reduce bandwidth of the data-parallel engine (algorithm and bus bandwidth, nccl-tests' definitions); run it under mpirun";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        CliOption.Text("sizes", "MB,MB,…", "Message sizes in MiB", "1,4,16,64,256"),
        CliOption.Int("iters", "Timed all-reduces per size", "5"),
        CliOption.Int("warmup", "Untimed all-reduces per size", "2"),
        CliOption.Text("engine", "auto|mpi|nccl|single", "Collectives engine (auto: NCCL on CUDA, MPI on the CPU, none without a launcher)", "auto"),
        SharedOptions.Device,
        CliOption.Text("out", "FILE", "Also write the JSON result to FILE (rank 0)"),
        SharedOptions.Json,
    ];

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        bool json = args.Flag("json");
        int iters = args.Int("iters") ?? 5, warmup = args.Int("warmup") ?? 2;
        if (iters < 1 || warmup < 0) throw new CliException("--iters must be >= 1 and --warmup >= 0");
        var sizesText = args.String("sizes") ?? "1,4,16,64,256";
        var sizes = new List<int>();
        foreach (var part in sizesText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            sizes.Add(int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var mb) && mb is > 0 and <= 4096 ? mb
                : throw new CliException($"--sizes: '{part}' is not a size in MiB between 1 and 4096"));
        var engine = args.String("engine") ?? "auto";
        var deviceSetting = args.String("device") ?? "auto";
        var outFile = args.String("out");
        args.EnsureAllUsed();
        TorchRuntime.EnsureLoaded();
        var device = TorchRuntime.ResolveDevice(deviceSetting);
        using var comm = CollectivesFactory.Open(engine, LaunchInfo.Current, device);
        var rows = new List<Dictionary<string, object>>();
        int n = comm.WorldSize;
        double expected = n * (n + 1) / 2.0;
        var times = new double[1];
        foreach (var mb in sizes)
        {
            ct.ThrowIfCancellationRequested();
            long bytes = (long)mb << 20, count = bytes / 4;
            using var buffer = torch.empty(count, dtype: torch.float32, device: torch.device(device));
            for (int i = 0; i < warmup; i++) { buffer.fill_(comm.Rank + 1); comm.AllReduce(buffer, ReduceOp.Sum); }
            double slowest = 0;
            bool correct = true;
            for (int i = 0; i < iters; i++)
            {
                buffer.fill_(comm.Rank + 1);
                comm.Barrier();
                var sw = Stopwatch.StartNew();
                comm.AllReduce(buffer, ReduceOp.Sum);
                comm.Barrier(); // NCCL: waits for the stream; MPI: the slowest rank ends the iteration
                times[0] = sw.Elapsed.TotalSeconds;
                slowest += times[0];
                using (var wrong = buffer.ne(expected).any()) correct &= !wrong.item<bool>();
            }
            double seconds = slowest / iters;
            double algbw = bytes / seconds / 1e9, busbw = algbw * 2 * (n - 1) / n;
            rows.Add(new Dictionary<string, object>
            {
                ["size_mib"] = mb, ["bytes"] = bytes, ["time_ms"] = Math.Round(seconds * 1e3, 3),
                ["algbw_gb_s"] = Math.Round(algbw, 3), ["busbw_gb_s"] = Math.Round(busbw, 3), ["correct"] = correct,
            });
        }
        var result = new Dictionary<string, object?>
        {
            ["bench"] = "collectives", ["op"] = "all_reduce_sum_float32", ["engine"] = comm.Engine, ["ranks"] = n, ["device"] = device,
            ["launch"] = LaunchInfo.Current.Launcher, ["cpu_model"] = CpuModel(), ["cores"] = Environment.ProcessorCount,
            ["mpi"] = comm is MpiCollectives m ? m.LibraryVersion : null,
            ["nccl"] = comm is NcclCollectives c ? c.Version : null,
            ["iters"] = iters, ["warmup"] = warmup,
            ["definitions"] = "algbw = bytes / time; busbw = algbw * 2(n-1)/n (nccl-tests, all-reduce); time = mean over iterations, barrier to barrier",
            ["results"] = rows,
        };
        bool allCorrect = rows.All(r => (bool)r["correct"]);
        if (comm.Rank == 0)
        {
            var text = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
            if (outFile is not null) File.WriteAllText(outFile, text + "\n");
            if (json) Console.WriteLine(text);
            else
            {
                Console.WriteLine($"all-reduce (sum, float32) on {n} rank(s), engine {comm.Engine}, {device}, {CpuModel()}:");
                Console.WriteLine("   size      time    algbw    busbw  correct");
                foreach (var r in rows)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r["size_mib"],5} MiB {r["time_ms"],8:F1} ms {r["algbw_gb_s"],6:F2} GB/s {r["busbw_gb_s"],6:F2} GB/s  {((bool)r["correct"] ? "yes" : "NO")}"));
            }
        }
        return Task.FromResult(allCorrect ? 0 : 1);
    }

    /// <summary>The CPU model (/proc/cpuinfo's first "model name"), or "unknown".</summary>
    public static string CpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is var c and > 0) return line[(c + 1)..].Trim();
        }
        catch (IOException) { }
        return "unknown";
    }
}
