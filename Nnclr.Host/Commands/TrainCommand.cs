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
    public string Summary => $"train an encoder with NNCLR (presets: {string.Join(", ", Presets.Names)})";
    public string Usage => TrainFlags.Usage;
    public IReadOnlyList<CliOption> Options => TrainFlags.Options;

    public async Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        var flags = TrainFlags.ParseTrain(args);
        args.EnsureAllUsed();
        // --dry-run: validate every layer and print what config.resolved.json would hold; nothing is trained or written.
        if (flags.DryRun)
        {
            Console.Out.Write(NnclrConfiguration.Resolve(flags).ToResolvedJson());
            return 0;
        }
        // The ports log through the host's one LoggerFactory, so Run:LogFormat from any layer (preset, --config,
        // NNCLR_* variables, flags) applies to every message.
        // One collectives engine per process (MPI_Init once, even when a NaN rollback rebuilds the ports), finalised after the run.
        using var distributed = new ProcessCollectives();
        return await TrainingHost.RunAsync(flags, (cfg, loggers) => new TrainingPorts(cfg, loggers.CreateLogger("Nnclr.Training"), distributed), ct);
    }
}
