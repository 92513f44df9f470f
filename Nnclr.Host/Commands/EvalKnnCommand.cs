using System.Text.Json;
using Nnclr.Host.Cli;
using Nnclr.Pipeline.Session;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr eval knn`: weighted kNN (cosine, k 200, τ 0.1) on frozen backbone features, top-1 and top-5.</summary>
public sealed class EvalKnnCommand : ICliCommand
{
    public string Name => "eval knn";
    public string Summary => "kNN accuracy of a checkpoint's (or a random-init) backbone on a dataset's test split";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        .. SharedOptions.Eval,
        CliOption.Int("k", "Neighbours", "the configuration's Eval:KnnK"),
        CliOption.Double("temperature", "Vote temperature", "the configuration's Eval:KnnTemperature", "T"),
    ];


    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        bool json = args.Flag("json");
        int? k = args.Int("k");
        double? temperature = args.Double("temperature");
        using var eval = EvalTarget.Open(args);
        args.EnsureAllUsed();
        var knn = eval.Evaluation;
        var started = DateTime.UtcNow;
        var (top1, top5, evaluation) = eval.Knn(k, temperature, ct);
        double seconds = (DateTime.UtcNow - started).TotalSeconds;
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                source = eval.Source, top1 = Math.Round(100 * top1, 2), top5 = Math.Round(100 * top5, 2),
                k = evaluation.K, temperature = evaluation.Temperature, train = knn.Train.Count, test = knn.Test.Count, seconds = Math.Round(seconds, 2),
            }, new JsonSerializerOptions { WriteIndented = true }));
        else
            Console.WriteLine($"kNN (k {evaluation.K}, τ {evaluation.Temperature}) of {eval.Source} on {knn.Train.Count} train / {knn.Test.Count} test images: " +
                              $"top-1 {100 * top1:F2}%, top-5 {100 * top5:F2}% ({seconds:F1} s)");
        return Task.FromResult(0);
    }
}
