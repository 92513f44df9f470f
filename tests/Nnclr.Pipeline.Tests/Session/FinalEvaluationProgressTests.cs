using Microsoft.Extensions.Logging;
using Nnclr.Pipeline.Ports;
using Nnclr.Pipeline.Session;

namespace Nnclr.Pipeline.Tests.Session;

/// <summary>Issue #28 point 4: the final evaluation's bar on a terminal, its log events otherwise, and each network's result when known.</summary>
public sealed class FinalEvaluationProgressTests
{
    private sealed class Evaluations : IEvaluationObserver
    {
        public readonly List<EvaluationResult> Seen = [];
        public void OnEvaluation(EvaluationResult result) => Seen.Add(result);
    }

    private sealed class Events : ILogger
    {
        public readonly List<(string Event, string Message, Dictionary<string, object?> Fields)> Seen = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Seen.Add((eventId.Name ?? "", formatter(state, exception),
                (state as IEnumerable<KeyValuePair<string, object?>>)?.ToDictionary(kv => kv.Key, kv => kv.Value) ?? []));
    }

    [Fact]
    public void Terminal_BarWithImagesRateAndEta_ThenTheResultOnItsOwnLineAndInMetrics()
    {
        var terminal = new StringWriter();
        var evaluations = new Evaluations();
        var progress = new FinalEvaluationProgress(new Events(), terminal, evaluations, step: 41, epoch: 3);
        progress.Planned(2_000);
        Thread.Sleep(20); // a measurable rate
        progress.Advanced("trained,random_init", 512);
        var bar = terminal.ToString();
        Assert.Contains("final kNN (trained, random_init): 512/2,000 images", bar);
        Assert.Matches(@"ETA \d\d:\d\d \| \d[\d,]* img/s", bar);
        Assert.DoesNotContain("\n", bar);

        progress.NetworkDone("trained", new Dictionary<string, double> { ["knn_top1"] = 40, ["knn_top5"] = 80 }, 1.5);
        Assert.EndsWith("\n", terminal.ToString());
        var final = Assert.Single(evaluations.Seen);
        Assert.Equal(("knn", "final", 41L, 3L, 0.40, 0.80), (final.Kind, final.Phase, final.Step, final.Epoch, final.Top1, final.Top5));
        // The session's closing call records nothing twice.
        progress.Complete(new Dictionary<string, double> { ["knn_top1"] = 40, ["knn_top5"] = 80 }, 2.0);
        Assert.Single(evaluations.Seen);
        Assert.Equal(40, progress.Results["knn_top1"]);
    }

    [Fact]
    public void Log_ProgressAtTheFirstBatchThenEveryPeriod_ThenEachNetworksResultEvent()
    {
        var log = new Events();
        var progress = new FinalEvaluationProgress(log, terminal: null, new Evaluations(), step: 10, epoch: 1);
        progress.Planned(4_000);
        Thread.Sleep(20);
        progress.Advanced("trained,random_init", 512);
        progress.Advanced("trained,random_init", 512); // within the log period: not logged
        progress.NetworkDone("trained", new Dictionary<string, double> { ["knn_top1"] = 12.5 }, 1);
        progress.NetworkDone("random_init", new Dictionary<string, double> { ["knn_top1_random_init"] = 9.5 }, 1);
        Assert.Equal(["eval_progress", "final_eval_network", "final_eval_network"], log.Seen.Select(e => e.Event).ToArray());
        var first = log.Seen[0].Fields;
        Assert.Equal(("trained,random_init", 512L, 4_000L), (first["networks"], first["images_done"], first["images_total"]));
        Assert.True((double)first["images_per_s"]! > 0);
        Assert.True((double)first["eta_s"]! > 0);
        Assert.Equal(("trained", 12.5), (log.Seen[1].Fields["network"], log.Seen[1].Fields["knn_top1"]));
        Assert.Contains("trained network: knn_top1 12.5", log.Seen[1].Message);
        Assert.Equal(("random_init", 9.5), (log.Seen[2].Fields["network"], log.Seen[2].Fields["knn_top1_random_init"]));
        Assert.Equal(9.5, progress.Results["knn_top1_random_init"]);
    }
}
