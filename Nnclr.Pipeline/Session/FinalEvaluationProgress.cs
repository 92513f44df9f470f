using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Session;

/// <summary>
/// What a run shows while its final evaluation reads every image once, through every network evaluated (minutes to
/// hours on a large dataset): on a terminal a bar redrawn in place ("final kNN (trained, random_init): 1,234/20,200
/// images | 00:07 elapsed, ETA 00:49 | 345 img/s"), in the log an "eval_progress" event (networks, images_done,
/// images_total, images_per_s, eta_s) at the first batch and then every <see cref="LogPeriod"/>; and each network's
/// result as soon as it is known (a "final_eval_network" event; the trained network's also as metrics.jsonl's final
/// eval line), the trained one's before the baseline is classified.
/// </summary>
public sealed class FinalEvaluationProgress(ILogger logger, TextWriter? terminal, IEvaluationObserver evaluations, long step, long epoch)
    : IFinalEvaluationObserver
{
    /// <summary>Least time between two eval_progress log events.</summary>
    public static readonly TimeSpan LogPeriod = TimeSpan.FromSeconds(10);
    // Least time between two redraws of the terminal bar.
    private static readonly TimeSpan DrawPeriod = TimeSpan.FromMilliseconds(200);

    private readonly Stopwatch _clock = new();
    private readonly Dictionary<string, double> _results = new(StringComparer.Ordinal);
    private readonly StringBuilder _line = new(160);
    private long _total, _done;
    private string? _networks;
    private TimeSpan _lastShown;
    private bool _openLine, _trainedRecorded;

    /// <summary>Every network's values reported so far (all of them after a complete evaluation; the known ones after a stop).</summary>
    public IReadOnlyDictionary<string, double> Results => _results;

    public void Planned(long images)
    {
        _total = images;
        _clock.Restart();
    }

    public void Advanced(string networks, int images)
    {
        if (!_clock.IsRunning) _clock.Start();
        bool first = networks != _networks;
        _networks = networks;
        _done += images;
        var now = _clock.Elapsed;
        if (terminal is not null)
        {
            if (!first && now - _lastShown < DrawPeriod && _done < _total) return;
            _lastShown = now;
            terminal.Write(Bar(networks, now));
            terminal.Flush();
            _openLine = true;
            return;
        }
        if (!first && now - _lastShown < LogPeriod) return;
        _lastShown = now;
        double rate = Rate(now), eta = rate > 0 && _total > _done ? (_total - _done) / rate : 0;
        SessionLog.EvalProgress(logger, networks, _done, _total, Math.Round(rate, 1), Math.Round(eta, 1));
    }

    public void NetworkDone(string network, IReadOnlyDictionary<string, double> values, double seconds)
    {
        EndLine();
        foreach (var (name, value) in values) _results[name] = value;
        var fields = values.Select(kv => new KeyValuePair<string, object?>(kv.Key, kv.Value))
            .Prepend(new("network", network)).Append(new("elapsed_s", Math.Round(seconds, 1))).ToList();
        if (logger.IsEnabled(LogLevel.Information))
            logger.Log(LogLevel.Information, NetworkEvent, fields, null, (state, _) =>
                $"final evaluation, {network} network: " + string.Join(", ", state.Skip(1).Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:G6}"))));
        if (network == "trained" && values.TryGetValue("knn_top1", out var top1))
        {
            evaluations.OnEvaluation(new EvaluationResult("knn", "final", step, epoch, top1 / 100,
                values.TryGetValue("knn_top5", out var top5) ? top5 / 100 : double.NaN, seconds));
            _trainedRecorded = true;
        }
    }

    /// <summary>
    /// After the evaluation: records the trained network's result in metrics.jsonl when the ports reported none per
    /// network (ports that do not observe the evaluation), so every run's final kNN is there once.
    /// </summary>
    public void Complete(IReadOnlyDictionary<string, double> final, double seconds)
    {
        EndLine();
        if (_trainedRecorded || !final.TryGetValue("knn_top1", out var top1)) return;
        evaluations.OnEvaluation(new EvaluationResult("knn", "final", step, epoch, top1 / 100,
            final.TryGetValue("knn_top5", out var top5) ? top5 / 100 : double.NaN, seconds));
        _trainedRecorded = true;
    }

    /// <summary>Ends the terminal bar's line (if one is open).</summary>
    public void EndLine()
    {
        if (terminal is null || !_openLine) return;
        terminal.WriteLine();
        terminal.Flush();
        _openLine = false;
    }

    /// <summary>The event id of one network's final result.</summary>
    public static readonly EventId NetworkEvent = new(12, "final_eval_network");

    private double Rate(TimeSpan now) => now.TotalSeconds > 0 ? _done / now.TotalSeconds : 0;

    private string Bar(string networks, TimeSpan now)
    {
        double rate = Rate(now);
        string eta = rate > 0 && _total > _done ? ProgressBar.Clock(TimeSpan.FromSeconds((_total - _done) / rate)) : "--:--";
        _line.Clear();
        ProgressBar.AppendBar(_line, _total > 0 ? (double)_done / _total : 0);
        _line.Append(CultureInfo.InvariantCulture,
            $" final kNN ({networks.Replace(",", ", ", StringComparison.Ordinal)}): {_done:N0}/{_total:N0} images | {ProgressBar.Clock(now)} elapsed, ETA {eta} | {rate:N0} img/s");
        return _line.ToString();
    }
}
