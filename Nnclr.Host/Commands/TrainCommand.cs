using Microsoft.Extensions.Logging;
using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Host.Hosting;
using Nnclr.Pipeline.Session;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr train`: the staged training daemon (see Nnclr.Host/Hosting and docs/pipeline.md).</summary>
public sealed class TrainCommand : ICliCommand
{
    public string Name => "train";
    public string Summary => "train an encoder with NNCLR (presets: cifar10-resnet18, cpu-smoke, demo)";
    public string Usage => TrainFlags.Usage;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string> { "deterministic", "resume" };

    public async Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        var flags = TrainFlags.Parse(args);
        args.EnsureAllUsed();
        // The ports log through the host's one LoggerFactory, so Run:LogFormat from any layer (preset, --config,
        // NNCLR_* variables, flags) applies to every message.
        return await TrainingHost.RunAsync(flags, (cfg, loggers) => new TrainingPorts(cfg, loggers.CreateLogger("Nnclr.Training")), ct);
    }
}
