using System.Text.Json;
using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Pipeline.Session;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr bench step`: the full NNCLR step on synthetic data on the device, images/s.</summary>
public sealed class BenchStepCommand : ICliCommand
{
    public string Name => "bench step";
    public string Summary => "time the full NNCLR training step on synthetic data already on the device";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        .. SharedOptions.Bench,
        CliOption.Int("steps", "Timed steps", "50"),
        CliOption.Int("warmup", "Untimed steps first", "10"),
        SharedOptions.Json,
    ];


    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        bool json = args.Flag("json");
        int steps = args.Int("steps") ?? 50, warmup = args.Int("warmup") ?? 10;
        if (steps < 1 || warmup < 1) throw new CliException("--steps and --warmup must be >= 1");
        var cfg = BenchConfig.Resolve(args, out var device);
        args.EnsureAllUsed();
        var (ms, ips, torchThreads, libtorch) = StepBenchmark.Run(cfg, device, steps, warmup);
        var result = new
        {
            bench = "step", preset = cfg.Run.Preset, backbone = cfg.Model.Backbone, device, batch = cfg.Optim.BatchSize,
            view_size = cfg.Augment.ViewSize, precision = cfg.Model.Precision, channels_last = cfg.Model.ChannelsLast,
            support_set = cfg.Nnclr.SupportSetSize, steps, warmup, ms_per_step = Math.Round(ms, 3), images_per_s = Math.Round(ips, 1),
            torch_threads = torchThreads, libtorch,
        };
        if (json) Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        else Console.WriteLine($"step: {cfg.Model.Backbone} batch {cfg.Optim.BatchSize} {cfg.Model.Precision}{(cfg.Model.ChannelsLast ? " channels_last" : "")} on {device}: " +
                               $"{ms:F1} ms/step, {ips:F0} images/s ({steps} steps after {warmup} warm-up)");
        return Task.FromResult(0);
    }
}
