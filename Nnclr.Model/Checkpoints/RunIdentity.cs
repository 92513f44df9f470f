using System.Text;
using System.Text.Json;

namespace Nnclr.Model;

/// <summary>
/// Who a run is: a random id made once per fresh run and the hash of its maths-relevant configuration. Kept in
/// &lt;run-dir&gt;/run.json and in every checkpoint the run writes, so pruning and --resume touch only this run's files.
/// </summary>
public sealed record RunIdentity
{
    /// <summary>The file in the run directory.</summary>
    public const string FileName = "run.json";

    // Longest id or hash accepted from a file (a GUID is 32 hex digits).
    private const int MaxLength = 64;
    // Largest run.json read (it holds two short strings).
    private const long MaxFileBytes = 64 << 10;

    /// <summary>32 lowercase hex digits; never empty.</summary>
    public string RunId { get; }
    /// <summary><see cref="ConfigDiff.Hash"/> of the configuration the run uses.</summary>
    public string ConfigHash { get; }

    public RunIdentity(string runId, string configHash)
    {
        if (string.IsNullOrEmpty(runId) || runId.Length > MaxLength) throw new ArgumentException($"a run id must have 1–{MaxLength} characters, got '{runId}'", nameof(runId));
        if (configHash.Length > MaxLength) throw new ArgumentException($"a configuration hash has at most {MaxLength} characters", nameof(configHash));
        RunId = runId;
        ConfigHash = configHash;
    }

    /// <summary>A new run's identity: a fresh random id and the hash of <paramref name="configJson"/>.</summary>
    public static RunIdentity New(string configJson) => new(Guid.NewGuid().ToString("N"), ConfigDiff.Hash(configJson));

    /// <summary>The path of run.json in <paramref name="runDir"/>.</summary>
    public static string PathIn(string runDir) => System.IO.Path.Combine(runDir, FileName);

    /// <summary>Writes run.json into <paramref name="runDir"/> atomically (temp file, fsync, rename).</summary>
    public void Save(string runDir)
    {
        System.IO.Directory.CreateDirectory(runDir);
        var path = PathIn(runDir);
        var temp = path + ".tmp";
        var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["run_id"] = RunId, ["config_hash"] = ConfigHash, ["written_at"] = DateTimeOffset.UtcNow.ToString("O"),
        }, new JsonSerializerOptions { WriteIndented = true });
        using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            fs.Write(json);
            fs.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        DirectorySync.Flush(System.IO.Path.GetFullPath(runDir));
    }

    /// <summary>
    /// The identity stored in <paramref name="runDir"/>'s run.json; null when there is none. A damaged or hostile
    /// file is reported to <paramref name="warn"/> (naming it) and treated as absent.
    /// </summary>
    public static RunIdentity? Load(string runDir, Action<string> warn)
    {
        var path = PathIn(runDir);
        if (!File.Exists(path)) return null;
        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxFileBytes) throw new InvalidDataException($"is {info.Length} bytes, more than the {MaxFileBytes} a run identity can need");
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 4 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException("is not a JSON object");
            string id = root.TryGetProperty("run_id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : "";
            string hash = root.TryGetProperty("config_hash", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString()! : "";
            if (id.Length == 0 || id.Length > MaxLength || hash.Length > MaxLength) throw new InvalidDataException("has no usable run_id/config_hash");
            return new RunIdentity(id, hash);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
        {
            warn($"ignoring run identity {path}: {e.Message}");
            return null;
        }
    }

    /// <summary>"run 3f2a… (config 9b1c…)".</summary>
    public override string ToString() => new StringBuilder("run ").Append(RunId).Append(" (config ").Append(ConfigHash).Append(')').ToString();
}
