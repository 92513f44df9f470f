using System.Text.Json;
using System.Text.Json.Serialization;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Metrics;

/// <summary>
/// One log interval: a line of metrics.jsonl, written by <see cref="Session.MetricsLog"/> and read back by
/// <see cref="MetricsJournal"/>. Fields missing from an older build's line read as NaN / empty.
/// </summary>
public sealed record MetricsLine
{
    [JsonPropertyName("time")] public DateTimeOffset Time { get; init; } = DateTimeOffset.MinValue;
    [JsonPropertyName("step")] public long Step { get; init; }
    [JsonPropertyName("epoch")] public long Epoch { get; init; }
    /// <summary>Mean loss over the interval.</summary>
    [JsonPropertyName("loss")] public double Loss { get; init; } = double.NaN;
    /// <summary>Learning rate of the last step.</summary>
    [JsonPropertyName("lr")] public double LearningRate { get; init; } = double.NaN;
    /// <summary>NN accuracy over the interval, 0–1.</summary>
    [JsonPropertyName("nn_acc")] public double NnAccuracy { get; init; } = double.NaN;
    /// <summary>The online linear probe's top-1 over the interval, 0–1 (labelled data with Eval:OnlineLinear); absent otherwise.</summary>
    [JsonPropertyName("online_top1"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? OnlineTop1 { get; init; }
    /// <summary>Training images per second over the interval.</summary>
    [JsonPropertyName("images_per_s")] public double ImagesPerSecond { get; init; } = double.NaN;
    /// <summary>Each stage's images per second, in pipeline order.</summary>
    [JsonPropertyName("stage_images_per_s")] public Dictionary<string, double> StageImagesPerSecond { get; init; } = [];
    /// <summary>The stage limiting throughput.</summary>
    [JsonPropertyName("bottleneck")] public string? Bottleneck { get; init; }
    /// <summary>Each stage's busy share of the interval, 0–1; absent when not measured.</summary>
    [JsonPropertyName("stage_busy"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, double>? StageBusy { get; init; }
    /// <summary>The OS's resident set of the process (VmRSS), MiB: libtorch's native memory included.</summary>
    [JsonPropertyName("rss_mb")] public double RssMb { get; init; } = double.NaN;
    /// <summary>The process's peak resident set so far (VmHWM), MiB.</summary>
    [JsonPropertyName("rss_peak_mb")] public double RssPeakMb { get; init; } = double.NaN;
    /// <summary>Managed heap, MiB.</summary>
    [JsonPropertyName("managed_mb")] public double ManagedMb { get; init; } = double.NaN;
    /// <summary>TorchSharp tensors alive on the train thread.</summary>
    [JsonPropertyName("live_tensors")] public long LiveTensors { get; init; }

    /// <summary>
    /// The line for <paramref name="m"/> now: memory figures read at this moment (OnInterval runs on the train thread,
    /// the one that creates the step's tensors), <paramref name="busyShares"/> when given.
    /// </summary>
    public static MetricsLine From(IntervalMetrics m, IReadOnlyList<KeyValuePair<string, double>>? busyShares = null)
    {
        var stages = new Dictionary<string, double>();
        foreach (var s in m.Stages.Stages) stages[s.Name] = Math.Round(s.ItemsPerSecond * m.Stages.BatchSize, 2);
        Dictionary<string, double>? busy = null;
        if (busyShares is not null)
        {
            busy = [];
            foreach (var (name, share) in busyShares) busy[name] = Math.Round(share, 4);
        }
        var memory = ProcessMemory.Read();
        return new MetricsLine
        {
            Time = DateTimeOffset.UtcNow, Step = m.Step, Epoch = m.Epoch, Loss = m.Loss, LearningRate = m.LearningRate, NnAccuracy = m.NnAccuracy,
            OnlineTop1 = double.IsFinite(m.OnlineTop1) ? m.OnlineTop1 : null,
            ImagesPerSecond = Math.Round(m.ImagesPerSecond, 2), StageImagesPerSecond = stages, Bottleneck = m.Stages.BottleneckStage, StageBusy = busy,
            RssMb = ProcessMemory.Mb(memory.Resident), RssPeakMb = ProcessMemory.Mb(memory.Peak), ManagedMb = Math.Round(GC.GetTotalMemory(false) / 1048576.0, 1),
            LiveTensors = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount,
        };
    }

    /// <summary>One line of JSON (no newline).</summary>
    public string ToJson() => JsonSerializer.Serialize(this);
}
