using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nnclr.Pipeline.Metrics;

/// <summary>The contents of status.json (see <see cref="RunHeartbeat"/>); snake_case JSON, nulls omitted.</summary>
public sealed class RunStatus
{
    /// <summary>"training", "evaluating", "completed", "stopped" or "failed".</summary>
    public string State { get; set; } = "";
    /// <summary>The writing process's id.</summary>
    public int Pid { get; set; }
    /// <summary>When the writing process started (tells a reused pid apart).</summary>
    public DateTimeOffset ProcessStartedAt { get; set; }
    /// <summary>The machine the run is on (a pid means nothing elsewhere).</summary>
    public string Host { get; set; } = "";
    /// <summary>When this process started the run.</summary>
    public DateTimeOffset StartedAt { get; set; }
    /// <summary>Last write: at most the heartbeat period old while the process lives.</summary>
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>When the run ended; null while it runs.</summary>
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>Device trained on.</summary>
    public string Device { get; set; } = "";
    /// <summary>Steps done (including a resumed checkpoint's).</summary>
    public long Step { get; set; }
    /// <summary>The step this process started from.</summary>
    public long StartStep { get; set; }
    /// <summary>The step the run ends at.</summary>
    public long TotalSteps { get; set; }
    /// <summary>Epoch of the last logged batch.</summary>
    public long Epoch { get; set; }
    /// <summary>Seconds to the last step at the last interval's speed; null before the first interval.</summary>
    public double? EtaSeconds { get; set; }
    /// <summary>Mean loss of the last interval.</summary>
    public double? Loss { get; set; }
    /// <summary>Learning rate of the last step.</summary>
    public double? LearningRate { get; set; }
    /// <summary>NN accuracy of the last interval (0–1).</summary>
    public double? NnAccuracy { get; set; }
    /// <summary>Training top-1 of the online linear probe over the last interval (0–1); null when it is off.</summary>
    public double? OnlineTop1 { get; set; }
    /// <summary>Training images per second over the last interval.</summary>
    public double? ImagesPerSecond { get; set; }
    /// <summary>The stage limiting throughput.</summary>
    public string? Bottleneck { get; set; }
    /// <summary>Step of the last checkpoint written by this process.</summary>
    public long? LastCheckpointStep { get; set; }
    /// <summary>When it was written.</summary>
    public DateTimeOffset? LastCheckpointAt { get; set; }
    /// <summary>Seconds it took to write.</summary>
    public double? LastCheckpointSeconds { get; set; }
    /// <summary>Last kNN top-1, in %.</summary>
    public double? LastKnnTop1 { get; set; }
    /// <summary>Step it was measured at.</summary>
    public long? LastKnnStep { get; set; }
    /// <summary>"periodic" or "final".</summary>
    public string? LastKnnPhase { get; set; }
    /// <summary>When it was measured.</summary>
    public DateTimeOffset? LastKnnAt { get; set; }
    /// <summary>The process's exit code once ended.</summary>
    public int? ExitCode { get; set; }
    /// <summary>Why it failed.</summary>
    public string? Error { get; set; }

    /// <summary>Indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Parses status.json; throws <see cref="InvalidDataException"/> naming <paramref name="source"/> when it is not one.</summary>
    public static RunStatus Parse(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<RunStatus>(json, Options) ?? throw new InvalidDataException($"{source}: empty status file");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a status file: {e.Message}", e);
        }
    }

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Read by people too: "+00:00", not "\u002B00:00" (nothing here is embedded in HTML).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
