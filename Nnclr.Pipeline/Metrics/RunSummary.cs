using System.Text.Json;
using System.Text.Json.Serialization;
using Nnclr.Data;
using Nnclr.Model;

namespace Nnclr.Pipeline.Metrics;

/// <summary>
/// summary.json: how a run ended (status, exit code, error), what it ran on, how far it got, its last checkpoint,
/// final evaluation and stage table. Written on every ending (completed, stopped, failed); read by `nnclr status` and
/// `nnclr report`. Indented JSON, absent values left out.
/// </summary>
public sealed record RunSummary
{
    [JsonPropertyName("preset")] public string Preset { get; init; } = "";
    /// <summary>"completed", "stopped" or "failed".</summary>
    [JsonPropertyName("status")] public string Status { get; init; } = "";
    [JsonPropertyName("exit_code")] public int ExitCode { get; init; }
    /// <summary>Why it failed.</summary>
    [JsonPropertyName("error")] public string? Error { get; init; }
    [JsonPropertyName("started_at")] public DateTimeOffset StartedAt { get; init; }
    [JsonPropertyName("finished_at")] public DateTimeOffset FinishedAt { get; init; }
    /// <summary>nnclr's version (<see cref="RunFacts.Version"/>).</summary>
    [JsonPropertyName("version")] public string Version { get; init; } = "";
    /// <summary>The commit nnclr was built from, when known.</summary>
    [JsonPropertyName("commit")] public string? Commit { get; init; }
    /// <summary>The .NET runtime's version.</summary>
    [JsonPropertyName("dotnet")] public string Dotnet { get; init; } = "";
    /// <summary>libtorch's version, when it was loaded.</summary>
    [JsonPropertyName("libtorch")] public string? LibTorch { get; init; }
    [JsonPropertyName("host")] public string Host { get; init; } = "";
    /// <summary>The device trained on; absent when the run failed before it had one.</summary>
    [JsonPropertyName("device")] public string? Device { get; init; }
    /// <summary>Processes that trained together (data parallel); 1 for one process.</summary>
    [JsonPropertyName("world_size")] public int WorldSize { get; init; } = 1;
    [JsonPropertyName("dataset")] public string Dataset { get; init; } = "";
    [JsonPropertyName("data_dir")] public string DataDir { get; init; } = "";
    /// <summary>The dataset actually read: name, dir, codec, size, classes, records per split, manifest_sha256.</summary>
    [JsonPropertyName("dataset_read")] public System.Text.Json.Nodes.JsonObject? DatasetRead { get; init; }
    /// <summary>The process's peak resident set (VmHWM), MiB: training and evaluation, libtorch included.</summary>
    [JsonPropertyName("rss_peak_mb")] public double? RssPeakMb { get; init; }
    /// <summary>Steps done, including a resumed checkpoint's; absent when training never ran.</summary>
    [JsonPropertyName("steps")] public long? Steps { get; init; }
    [JsonPropertyName("epoch")] public long? Epoch { get; init; }
    [JsonPropertyName("elapsed_s")] public double? ElapsedSeconds { get; init; }
    [JsonPropertyName("final_loss")] public double? FinalLoss { get; init; }
    /// <summary>NN accuracy of the last interval, 0–1.</summary>
    [JsonPropertyName("final_nn_acc")] public double? FinalNnAccuracy { get; init; }
    [JsonPropertyName("last_checkpoint")] public SummaryCheckpoint? LastCheckpoint { get; init; }
    /// <summary>The final evaluation: accuracies in %, gains in points.</summary>
    [JsonPropertyName("final_eval")] public FinalEvalPercent? FinalEval { get; init; }
    [JsonPropertyName("stages")] public StageTable? Stages { get; init; }
    /// <summary>One evaluation table (unit percent; kNN, linear and fine-tune rows with their random-init rows), written by Host's EvaluationTable.</summary>
    [JsonPropertyName("evaluation")] public System.Text.Json.Nodes.JsonObject? Evaluation { get; init; }

    /// <summary>This build's facts: version, commit, .NET, and libtorch's version when <paramref name="withLibTorch"/>.</summary>
    public static RunSummary WithRunFacts(bool withLibTorch) => new()
    {
        Version = RunFacts.Version, Commit = RunFacts.Commit, Dotnet = Environment.Version.ToString(),
        LibTorch = withLibTorch ? RunFacts.LibTorchVersion() : null, Host = Environment.MachineName,
    };

    /// <summary>Writes summary.json into <paramref name="dir"/> atomically.</summary>
    public void Save(RunDirectory dir) => AtomicFile.WriteAllBytes(dir.Summary, JsonSerializer.SerializeToUtf8Bytes(this, Options));

    /// <summary>The summary in <paramref name="dir"/>, or null when there is none; throws <see cref="InvalidDataException"/> naming the file when it is not one.</summary>
    public static RunSummary? Load(RunDirectory dir)
    {
        var path = dir.Summary;
        if (!File.Exists(path)) return null;
        try
        {
            // The run replaces the file by rename: read whatever is there now.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return JsonSerializer.Deserialize<RunSummary>(stream, Options) ?? throw new InvalidDataException($"{path}: empty summary");
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a run summary: {e.Message}", e); }
    }

    /// <summary>How summary.json is written and read (indented, nulls left out).</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = 8,
    };
}

/// <summary>summary.json's last checkpoint: its step and the data cursor it stores.</summary>
public sealed record SummaryCheckpoint(
    [property: JsonPropertyName("step")] long Step,
    [property: JsonPropertyName("cursor_epoch")] long CursorEpoch,
    [property: JsonPropertyName("cursor_position")] long CursorPosition);
