using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Nnclr.Data;

namespace Nnclr.Model;

/// <summary>
/// Who a run is: a random id made once per fresh run and the hash of its maths-relevant configuration. Kept in
/// &lt;run-dir&gt;/run.json and in every checkpoint the run writes, so pruning and --resume touch only this run's files.
/// </summary>
public sealed record RunIdentity
{
        // Longest id or hash accepted from a file (a GUID is 32 hex digits).
    private const int MaxLength = 64;
    // Largest run.json read (it holds two short strings).
    private const long MaxFileBytes = 64 << 10;

    /// <summary>32 lowercase hex digits; never empty.</summary>
    [JsonPropertyName("run_id")]
    public string RunId { get; }
    /// <summary><see cref="ConfigDiff.Hash"/> of the configuration the run uses.</summary>
    [JsonPropertyName("config_hash")]
    public string ConfigHash { get; }
    /// <summary>When run.json was written (round-trip "O" format), for people; not part of the identity.</summary>
    [JsonPropertyName("written_at")]
    public string? WrittenAt { get; init; }

    [JsonConstructor]
    public RunIdentity(string runId, string configHash)
    {
        if (string.IsNullOrEmpty(runId) || runId.Length > MaxLength) throw new ArgumentException($"a run id must have 1–{MaxLength} characters, got '{runId}'", nameof(runId));
        if (configHash is null || configHash.Length > MaxLength) throw new ArgumentException($"a configuration hash has at most {MaxLength} characters", nameof(configHash));
        RunId = runId;
        ConfigHash = configHash;
    }

    /// <summary>A new run's identity: a fresh random id and the hash of <paramref name="configJson"/>.</summary>
    public static RunIdentity New(string configJson) => new(Guid.NewGuid().ToString("N"), ConfigDiff.Hash(configJson));

    /// <summary>Writes run.json into <paramref name="runDir"/> atomically (<see cref="AtomicFile"/>).</summary>
    public void Save(string runDir)
    {
        var dir = new RunDirectory(runDir);
        System.IO.Directory.CreateDirectory(dir.Root);
        var stamped = this with { WrittenAt = DateTimeOffset.UtcNow.ToString("O") };
        AtomicFile.WriteAllBytes(dir.Identity, JsonSerializer.SerializeToUtf8Bytes(stamped, Options));
    }

    /// <summary>
    /// The identity stored in <paramref name="runDir"/>'s run.json; null when there is none. A damaged or hostile
    /// file is reported to <paramref name="warn"/> (naming it) and treated as absent.
    /// </summary>
    public static RunIdentity? Load(string runDir, Action<string> warn)
    {
        var path = new RunDirectory(runDir).Identity;
        if (!File.Exists(path)) return null;
        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxFileBytes) throw new InvalidDataException($"is {info.Length} bytes, more than the {MaxFileBytes} a run identity can need");
            return JsonSerializer.Deserialize<RunIdentity>(File.ReadAllBytes(path), Options) ?? throw new InvalidDataException("is not a JSON object");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidDataException or ArgumentException)
        {
            var why = e is ArgumentException ? "has no usable run_id/config_hash" : e.Message;
            warn($"ignoring run identity {path}: {why}");
            return null;
        }
    }

    // Indented, as run.json always was; a run.json nests nothing.
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, MaxDepth = 4 };

    /// <summary>Same run id and configuration hash (when run.json was written does not matter).</summary>
    public bool Equals(RunIdentity? other) => other is not null && RunId == other.RunId && ConfigHash == other.ConfigHash;

    public override int GetHashCode() => HashCode.Combine(RunId, ConfigHash);

    /// <summary>"run 3f2a… (config 9b1c…)".</summary>
    public override string ToString() => new StringBuilder("run ").Append(RunId).Append(" (config ").Append(ConfigHash).Append(')').ToString();
}
