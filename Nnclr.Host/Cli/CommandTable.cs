using Nnclr.Host.Commands;

namespace Nnclr.Host.Cli;

/// <summary>Every `nnclr` command. Add one line per new command.</summary>
public static class CommandTable
{
    public static IReadOnlyList<ICliCommand> All { get; } =
    [
        new DoctorCommand(),
        new ExportCommand(),
        new IngestCommand(),
        new ShardsInfoCommand(),
        new BenchAugmentCommand(),
        new BenchReadCommand(),
        new TrainCommand(),
        new BenchStepCommand(),
        new BenchPipelineCommand(),
        new BenchCollectivesCommand(),
        new BenchTraceCommand(),
        new EvalKnnCommand(),
        new EvalLinearCommand(),
        new FinetuneCommand(),
        new ConfigShowCommand(),
        new EmbedCommand(),
        new NeighborsCommand(),
        new DuplicatesCommand(),
        new StatusCommand(),
        new ReportCommand(),
    ];
}
