using Microsoft.Extensions.Logging;
using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Host.Hosting;
using Nnclr.Host.Training;

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
        using var loggers = CreateLoggers(flags);
        var log = loggers.CreateLogger("Nnclr.Training");
        return await TrainingHost.RunAsync(flags, cfg => new TrainingPorts(cfg, log), ct);
    }

    // The ports log in the same format as the host: JSON lines when headless, one line per message on a terminal.
    private static ILoggerFactory CreateLoggers(TrainFlags flags)
    {
        flags.Overrides.TryGetValue("Run:LogFormat", out var format);
        bool json = TrainingHost.UseJsonLogs(format ?? Environment.GetEnvironmentVariable("NNCLR_Run__LogFormat"));
        return LoggerFactory.Create(b =>
        {
            if (json) b.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ");
            else b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        });
    }
}
