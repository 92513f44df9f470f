using System.Text.Json;
using Nnclr.Host.Cli;
using Nnclr.Pipeline.Session;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr eval linear`: a linear probe trained on frozen backbone features of the train split, top-1/top-5 on the test split.</summary>
public sealed class EvalLinearCommand : ICliCommand
{
    public string Name => "eval linear";
    public string Summary => "linear-probe accuracy of a checkpoint's (or a random-init) backbone";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        .. SharedOptions.Eval,
        CliOption.Int("epochs", "Linear-probe epochs", "100"),
    ];


    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        bool json = args.Flag("json");
        int epochs = args.Int("epochs") ?? 100;
        if (epochs < 1) throw new CliException($"--epochs must be >= 1, got {epochs}");
        using var eval = EvalTarget.Open(args);
        args.EnsureAllUsed();
        var started = DateTime.UtcNow;
        var (top1, top5) = eval.Linear(epochs, ct);
        double seconds = (DateTime.UtcNow - started).TotalSeconds;
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                source = eval.Source, top1 = Math.Round(100 * top1, 2), top5 = Math.Round(100 * top5, 2), epochs, seconds = Math.Round(seconds, 2),
            }, new JsonSerializerOptions { WriteIndented = true }));
        else
            Console.WriteLine($"linear probe ({epochs} epochs) of {eval.Source}: top-1 {100 * top1:F2}%, top-5 {100 * top5:F2}% ({seconds:F1} s)");
        return Task.FromResult(0);
    }
}
