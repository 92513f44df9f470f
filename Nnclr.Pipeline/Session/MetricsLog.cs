using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Nnclr.Model;
using Nnclr.Pipeline.Ports;
using TorchSharp.Modules;
using static TorchSharp.torch.utils;

namespace Nnclr.Pipeline.Session;

/// <summary>
/// Where interval metrics go: one line of metrics.jsonl each, TensorBoard scalars, and either a progress
/// line (terminal) or a structured log line (headless). Runs on the pipeline's threads: quick, no model access.
/// </summary>
public sealed class MetricsLog : IPipelineObserver, IDisposable
{
    // metrics.jsonl, appended (a resumed run continues the file); flushed every line.
    private readonly StreamWriter _jsonl;
    // TensorBoard event writer; null when disabled.
    private readonly SummaryWriter? _tensorBoard;
    // Log sink for headless runs and checkpoint messages.
    private readonly ILogger _logger;
    // Terminal progress line target; null when headless (then intervals are logged instead).
    private readonly TextWriter? _progress;
    // Total steps of the run, for the progress line.
    private readonly long _totalSteps;
    // Guards the writers: intervals (train thread) and checkpoints (checkpoint thread) may overlap.
    private readonly object _gate = new();

    public MetricsLog(string metricsPath, string tensorBoardDir, ILogger logger, TextWriter? progress, long totalSteps, bool tensorBoard = true)
    {
        _jsonl = new StreamWriter(new FileStream(metricsPath, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true };
        _tensorBoard = tensorBoard ? tensorboard.SummaryWriter(tensorBoardDir) : null;
        (_logger, _progress, _totalSteps) = (logger, progress, totalSteps);
    }

    public void OnInterval(IntervalMetrics m)
    {
        lock (_gate)
        {
            _jsonl.WriteLine(ToJsonLine(m));
            if (_tensorBoard is { } tb)
            {
                int step = (int)Math.Min(m.Step, int.MaxValue);
                tb.add_scalar("train/loss", (float)m.Loss, step);
                tb.add_scalar("train/lr", (float)m.LearningRate, step);
                tb.add_scalar("train/nn_acc", (float)m.NnAccuracy, step);
                tb.add_scalar("throughput/images_per_s", (float)m.ImagesPerSecond, step);
                foreach (var s in m.Stages.Stages)
                    tb.add_scalar($"stages/{s.Name}_images_per_s", (float)(s.ItemsPerSecond * m.Stages.BatchSize), step);
            }
            if (_progress is not null)
            {
                _progress.Write(string.Format(CultureInfo.InvariantCulture,
                    "\rstep {0}/{1} ({2:P0}) epoch {3} loss {4:F4} lr {5:G3} nn-acc {6:P1} {7:F0} img/s bottleneck {8}   ",
                    m.Step, _totalSteps, _totalSteps > 0 ? m.Step / (double)_totalSteps : 0, m.Epoch, m.Loss, m.LearningRate,
                    m.NnAccuracy, m.ImagesPerSecond, m.Stages.BottleneckStage));
                _progress.Flush();
            }
            else
            {
                SessionLog.Interval(_logger, m.Step, m.Epoch, m.Loss, m.LearningRate, m.NnAccuracy, m.ImagesPerSecond, m.Stages.BottleneckStage);
            }
        }
    }

    public void OnCheckpoint(CheckpointMeta meta)
    {
        lock (_gate)
        {
            if (_progress is not null) _progress.WriteLine();
            SessionLog.CheckpointWritten(_logger, meta.Step, meta.Cursor.ToString(), meta.Final ? " (final)" : "");
        }
    }

    /// <summary>One metrics.jsonl object: step, epoch, loss, lr, nn_acc, images/s, per-stage images/s, bottleneck.</summary>
    public static string ToJsonLine(IntervalMetrics m)
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
            w.WriteNumber("images_per_s", Math.Round(m.ImagesPerSecond, 2));
            w.WriteStartObject("stage_images_per_s");
            foreach (var s in m.Stages.Stages) w.WriteNumber(s.Name, Math.Round(s.ItemsPerSecond * m.Stages.BatchSize, 2));
            w.WriteEndObject();
            w.WriteString("bottleneck", m.Stages.BottleneckStage);
            // Memory, for spotting leaks in long runs: resident set, managed heap, and the TorchSharp tensors alive on
            // this thread (OnInterval runs on the train thread, the one that creates the step's tensors).
            w.WriteNumber("rss_mb", Math.Round(Environment.WorkingSet / 1048576.0, 1));
            w.WriteNumber("managed_mb", Math.Round(GC.GetTotalMemory(false) / 1048576.0, 1));
            w.WriteNumber("live_tensors", TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_progress is not null) _progress.WriteLine();
            _jsonl.Dispose();
        }
    }
}
