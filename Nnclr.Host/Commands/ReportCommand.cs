using Nnclr.Host.Cli;
using Nnclr.Host.Report;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr report RUN_DIR [--out DIR]`: PNG charts and one self-contained HTML page of a running or finished run.</summary>
public sealed class ReportCommand : ICliCommand
{
    public string Name => "report";
    public string Summary => "PNG charts and a self-contained HTML page (loss, lr, NN-acc, kNN, images/s, stage busy shares, bottleneck, memory) of a run";
    public IReadOnlyList<CliOption> Options { get; } = [CliOption.Text("out", "DIR", "Where the PNGs and report.html go", "RUN_DIR/report")];
    public IReadOnlyList<CliArgument> Arguments { get; } = [new("RUN_DIR", "The run directory")];
    public string Usage => "A run writes its report itself when it ends; this command also works while it runs.";

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        var runDir = args.Positional(0, "the run directory");
        var outDir = args.String("out");
        args.EnsureAllUsed();
        try
        {
            var html = RunReport.Write(runDir, outDir);
            Console.WriteLine(html);
            return Task.FromResult(0);
        }
        catch (Exception e) when (e is FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"nnclr report: {e.Message}");
            return Task.FromResult(1);
        }
    }
}
