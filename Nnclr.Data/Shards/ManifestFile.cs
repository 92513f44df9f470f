using System.Text.Json;

namespace Nnclr.Data.Shards;

/// <summary>Reads, validates and atomically writes manifest.json.</summary>
public static class ManifestFile
{
    // camelCase, indented: humans read these files.
    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    /// <summary>Largest manifest read: far above any real one (ImageNet-1k's is a few MB), so a hostile size is refused unread.</summary>
    public const long MaxBytes = 64L << 20;

    public static string PathIn(string datasetDir) => Path.Combine(datasetDir, ShardLayout.ManifestFile);

    /// <summary>Loads and checks the manifest of <paramref name="datasetDir"/>; ShardFormatException naming the file on any problem.</summary>
    public static DatasetManifest Load(string datasetDir)
    {
        var path = PathIn(datasetDir);
        if (!File.Exists(path)) throw new ShardFormatException($"manifest '{path}' is missing: '{datasetDir}' holds no complete dataset (was an ingest interrupted?)");
        long length = new FileInfo(path).Length;
        if (length > MaxBytes) throw new ShardFormatException($"manifest '{path}' is {length} bytes; a manifest is at most {MaxBytes} bytes");
        DatasetManifest? m;
        try { m = JsonSerializer.Deserialize<DatasetManifest>(File.ReadAllBytes(path), Options); }
        catch (JsonException e)
        {
            var first = e.Message.Split('\n', 2)[0].Trim();
            throw new ShardFormatException($"manifest '{path}' is not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}): {first}", e);
        }
        if (m is null) throw new ShardFormatException($"manifest '{path}' is empty");
        Validate(m, path);
        return m;
    }

    /// <summary>Writes <paramref name="m"/> atomically (<see cref="AtomicFile"/>): a reader sees the old manifest, or the new one whole.</summary>
    public static void Save(string datasetDir, DatasetManifest m)
    {
        var path = PathIn(datasetDir);
        Validate(m, path);
        AtomicFile.Write(path, f => JsonSerializer.Serialize(f, m, Options));
    }

    private static void Validate(DatasetManifest m, string path)
    {
        void Check(bool ok, string what) { if (!ok) throw new ShardFormatException($"manifest '{path}': {what}"); }
        // JSON null overrides the initialisers: every list and string must be present before anything reads it.
        if (m.Name is null || m.Codec is null || m.Source is null || m.Classes is null || m.Classes.Any(c => c is null) || m.Splits is null)
            throw new ShardFormatException($"manifest '{path}': name, source, classes and splits must be present (null found)");
        foreach (var s in m.Splits)
        {
            if (s is null || s.Name is null || s.ClassCounts is null || s.Mean is null || s.Std is null || s.Shards is null)
                throw new ShardFormatException($"manifest '{path}': every split needs name, classCounts, mean, std and shards (null found)");
            foreach (var e in s.Shards)
                if (e is null || e.File is null || e.ClassCounts is null)
                    throw new ShardFormatException($"manifest '{path}': split '{s.Name}': every shard needs file and classCounts (null found)");
        }
        Check(m.FormatVersion is ShardLayout.Version or ShardLayout.VersionJpeg,
            $"unsupported format version {m.FormatVersion} (this build reads {ShardLayout.Version} and {ShardLayout.VersionJpeg}); re-ingest the dataset with this build");
        Check(m.Codec is "raw" or "jpeg", $"unknown codec '{m.Codec}' (raw or jpeg)");
        Check((m.Codec == "jpeg") == (m.FormatVersion == ShardLayout.VersionJpeg), $"codec '{m.Codec}' does not belong to format version {m.FormatVersion} (raw is 1, jpeg is 2)");
        if (m.Codec == "jpeg")
            Check(m.MaxRecordBytes > 0 && m.MaxBlockBytes >= m.MaxRecordBytes && m.MaxBlockBytes <= ShardLayout.MaxJpegBlockBytes,
                $"maxRecordBytes {m.MaxRecordBytes} / maxBlockBytes {m.MaxBlockBytes} must satisfy 0 < record ≤ block ≤ {ShardLayout.MaxJpegBlockBytes}");
        else Check(m.MaxRecordBytes == 0 && m.MaxBlockBytes == 0, "maxRecordBytes/maxBlockBytes are only for codec jpeg");
        Check(m.Height > 0 && m.Width > 0 && m.Channels == 3, $"bad image shape {m.Height}x{m.Width}x{m.Channels}");
        Check(m.Classes.Count > 0 && m.Classes.Count <= ushort.MaxValue + 1, $"bad class count {m.Classes.Count}");
        Check(m.RecordsPerBlock > 0, $"bad recordsPerBlock {m.RecordsPerBlock}");
        Check(m.Splits.Count > 0, "no splits");
        foreach (var s in m.Splits)
        {
            Check(s.Name.Length > 0 && m.Splits.Count(o => o.Name == s.Name) == 1, $"split name '{s.Name}' is empty or repeated");
            Check(s.ClassCounts.Count == m.Classes.Count && s.ClassCounts.All(c => c >= 0) && s.ClassCounts.Sum(c => (long)c) == s.Count,
                $"split '{s.Name}': class counts do not sum to its count {s.Count}");
            Check(s.Mean.Count is 0 or 3 && s.Std.Count == s.Mean.Count && s.Mean.All(v => v is >= 0 and <= 1) && s.Std.All(v => v is >= 0 and <= 1),
                $"split '{s.Name}': mean/std must be 3 values in [0, 1] each (or absent)");
            long first = 0;
            for (int i = 0; i < s.Shards.Count; i++)
            {
                var e = s.Shards[i];
                Check(e.File.Length > 0 && Path.GetFileName(e.File) == e.File, $"split '{s.Name}' shard {i}: bad file name '{e.File}'");
                Check(e.FirstRecord == first && e.Count > 0, $"split '{s.Name}' shard '{e.File}': first record {e.FirstRecord}, expected {first}");
                Check(i == s.Shards.Count - 1 || e.Count % m.RecordsPerBlock == 0, $"split '{s.Name}' shard '{e.File}': {e.Count} records is not a multiple of {m.RecordsPerBlock}");
                first += e.Count;
            }
            Check(first == s.Count, $"split '{s.Name}': shards hold {first} records, split says {s.Count}");
        }
    }
}
