using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Nnclr.Pipeline.Metrics;
using Nnclr.Model;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Session;

/// <summary>
/// Where interval metrics go: one line of metrics.jsonl each, TensorBoard scalars, and either a progress
/// line (terminal) or a structured log line (headless). Runs on the pipeline's threads: quick, no model access.
/// </summary>
/// Evaluations (periodic and final kNN) are lines of their own, marked "event":"eval".
public sealed class MetricsLog : IPipelineObserver, IEvaluationObserver, IDisposable
{
    // metrics.jsonl, appended (a resumed run continues the file); flushed every line.
    private readonly StreamWriter _jsonl;
    // TensorBoard event writer; null when disabled.
    private readonly TensorBoardEventWriter? _tensorBoard;
    // Each stage's busy share per interval (for the report's timeline); used under _gate.
    private readonly StageShareTracker _shares = new();
    // Log sink for headless runs and checkpoint messages.
    private readonly ILogger _logger;
    // Terminal progress line target; null when headless (then intervals are logged instead).
    private readonly TextWriter? _progress;
    // Total steps of the run, for the progress line.
    private readonly long _totalSteps;
    // The terminal bar (with _progress), made at the first interval.
    private ProgressBar? _bar;
    // A bar line is on screen without its newline.
    private bool _openLine;
    // Guards the writers: intervals (train thread) and checkpoints (checkpoint thread) may overlap.
    private readonly object _gate = new();

    public MetricsLog(string metricsPath, string tensorBoardDir, ILogger logger, TextWriter? progress, long totalSteps, bool tensorBoard = true)
    {
        _jsonl = new StreamWriter(new FileStream(metricsPath, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true };
        _tensorBoard = tensorBoard ? new TensorBoardEventWriter(tensorBoardDir) : null;
        (_logger, _progress, _totalSteps) = (logger, progress, totalSteps);
    }

    public void OnInterval(IntervalMetrics m)
    {
        lock (_gate)
        {
            var shares = _shares.Next(m.Stages);
            _jsonl.WriteLine(ToJsonLine(m, shares));
            if (_tensorBoard is { } tb)
            {
                long step = m.Step;
                tb.AddScalar("train/loss", m.Loss, step);
                tb.AddScalar("train/lr", m.LearningRate, step);
                tb.AddScalar("train/nn_acc", m.NnAccuracy, step);
                if (double.IsFinite(m.OnlineTop1)) tb.AddScalar("train/online_top1", m.OnlineTop1, step);
                tb.AddScalar("throughput/images_per_s", m.ImagesPerSecond, step);
                // The checkpoint stage handles a batch only every Checkpoint:EverySteps: images/s means nothing there.
                foreach (var s in m.Stages.Stages)
                    if (s.Name != "checkpoint") tb.AddScalar($"stages/{s.Name}_images_per_s", s.ItemsPerSecond * m.Stages.BatchSize, step);
                foreach (var (name, share) in shares) tb.AddScalar($"stages/{name}_busy", share, step);
            }
            if (_progress is not null)
            {
                _progress.Write((_bar ??= new ProgressBar(_totalSteps)).Line(m));
                _progress.Flush();
                _openLine = true;
            }
            else
            {
                SessionLog.Interval(_logger, m.Step, m.Epoch, m.Loss, m.LearningRate, m.NnAccuracy,
                    double.IsFinite(m.OnlineTop1) ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" online_top1 {m.OnlineTop1:F4}") : "",
                    m.ImagesPerSecond, m.Stages.BottleneckStage);
            }
        }
    }

    public void OnCheckpoint(CheckpointMeta meta)
    {
        lock (_gate)
        {
            EndLineLocked();
            _tensorBoard?.AddScalar("checkpoint/duration_s", meta.WriteSeconds, meta.Step);
            SessionLog.CheckpointWritten(_logger, meta.Step, meta.Cursor.ToString(), meta.Final ? " (final)" : "");
        }
    }

    /// <summary>One evaluation: a metrics.jsonl line {"event":"eval", kind, phase, step, top1/top5 in %} and eval/&lt;kind&gt;_top1 in TensorBoard.</summary>
    public void OnEvaluation(EvaluationResult r)
    {
        lock (_gate)
        {
            _jsonl.WriteLine(EventLine("eval", w =>
            {
                w.WriteString("kind", r.Kind);
                w.WriteString("phase", r.Phase);
                w.WriteNumber("step", r.Step);
                w.WriteNumber("epoch", r.Epoch);
                w.WriteNumber(r.Kind + "_top1", Math.Round(100 * r.Top1, 2));
                if (double.IsFinite(r.Top5)) w.WriteNumber(r.Kind + "_top5", Math.Round(100 * r.Top5, 2));
                w.WriteNumber("seconds", Math.Round(r.Seconds, 2));
                // Memory at the end of the evaluation, and the peak so far (which includes it).
                var (resident, peak) = ProcessMemory.Read();
                w.WriteNumber("rss_mb", ProcessMemory.Mb(resident));
                w.WriteNumber("rss_peak_mb", ProcessMemory.Mb(peak));
            }));
            _tensorBoard?.AddScalar($"eval/{r.Kind}_top1", 100 * r.Top1, r.Step);
            if (double.IsFinite(r.Top5)) _tensorBoard?.AddScalar($"eval/{r.Kind}_top5", 100 * r.Top5, r.Step);
        }
    }

    // {"time":…, "event":name, …} on one line.
    private static string EventLine(string name, Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("time", DateTimeOffset.UtcNow);
            w.WriteString("event", name);
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>
    /// One metrics.jsonl object: step, epoch, loss, lr, nn_acc, images/s, per-stage images/s, bottleneck, memory, and
    /// (when given) each stage's busy share over the interval.
    /// </summary>
    public static string ToJsonLine(IntervalMetrics m, IReadOnlyList<KeyValuePair<string, double>>? busyShares = null)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("time", DateTimeOffset.UtcNow);
            w.WriteNumber("step", m.Step);
            w.WriteNumber("epoch", m.Epoch);
            w.WriteNumber("loss", m.Loss);
            w.WriteNumber("lr", m.LearningRate);
            w.WriteNumber("nn_acc", m.NnAccuracy);
            if (double.IsFinite(m.OnlineTop1)) w.WriteNumber("online_top1", m.OnlineTop1);
            w.WriteNumber("images_per_s", Math.Round(m.ImagesPerSecond, 2));
            w.WriteStartObject("stage_images_per_s");
            foreach (var s in m.Stages.Stages) w.WriteNumber(s.Name, Math.Round(s.ItemsPerSecond * m.Stages.BatchSize, 2));
            w.WriteEndObject();
            w.WriteString("bottleneck", m.Stages.BottleneckStage);
            if (busyShares is not null)
            {
                w.WriteStartObject("stage_busy");
                foreach (var (name, share) in busyShares) w.WriteNumber(name, Math.Round(share, 4));
                w.WriteEndObject();
            }
            // Memory, for spotting leaks in long runs: resident set, managed heap, and the TorchSharp tensors alive on
            // this thread (OnInterval runs on the train thread, the one that creates the step's tensors).
            // rss_mb: the OS's resident set now (VmRSS), rss_peak_mb: its peak so far (VmHWM), libtorch's memory included.
            var (resident, peak) = ProcessMemory.Read();
            w.WriteNumber("rss_mb", ProcessMemory.Mb(resident));
            w.WriteNumber("rss_peak_mb", ProcessMemory.Mb(peak));
            w.WriteNumber("managed_mb", Math.Round(GC.GetTotalMemory(false) / 1048576.0, 1));
            w.WriteNumber("live_tensors", TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Ends the bar's line (if one is open) so that what follows starts on its own line.</summary>
    public void EndLine()
    {
        lock (_gate) EndLineLocked();
    }

    private void EndLineLocked()
    {
        if (_progress is null || !_openLine) return;
        _progress.WriteLine();
        _openLine = false;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            EndLineLocked();
            _jsonl.Dispose();
            _tensorBoard?.Dispose();
        }
    }
}
