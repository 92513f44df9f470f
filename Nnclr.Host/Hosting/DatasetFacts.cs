using System.Security.Cryptography;
using System.Text.Json;
using Nnclr.Data.Shards;

namespace Nnclr.Host.Hosting;

/// <summary>
/// The dataset a run actually read, from the manifest in its data folder (not the preset's Data:Dataset, which names
/// CIFAR-10 for cpu-smoke whatever --data points at): summary.json's "dataset" and "dataset_read".
/// </summary>
internal static class DatasetFacts
{
    /// <summary>
    /// Writes "dataset" (the manifest's name; the configured name when there is no readable manifest), "data_dir" and
    /// "dataset_read" {name, dir, codec, height, width, classes, records per split, manifest_sha256}.
    /// </summary>
    public static (string Dataset, System.Text.Json.Nodes.JsonObject? Read) Read(string dataDir, string configured)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) { w.WriteStartObject(); Write(w, dataDir, configured); w.WriteEndObject(); }
        var o = System.Text.Json.Nodes.JsonNode.Parse(ms.ToArray())!.AsObject();
        var read = o["dataset_read"]?.AsObject();
        o.Remove("dataset_read");
        return (o["dataset"]!.GetValue<string>(), read);
    }

    public static void Write(Utf8JsonWriter w, string dataDir, string configured)
    {
        DatasetManifest? manifest = null;
        string? sha = null;
        try
        {
            manifest = ManifestFile.Load(dataDir);
            sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(ManifestFile.PathIn(dataDir))));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ShardFormatException) { }
        w.WriteString("dataset", manifest is { Name.Length: > 0 } ? manifest.Name : configured);
        w.WriteString("data_dir", dataDir);
        if (manifest is null) return;
        w.WriteStartObject("dataset_read");
        w.WriteString("name", manifest.Name);
        w.WriteString("dir", dataDir);
        w.WriteString("codec", manifest.Codec);
        w.WriteNumber("height", manifest.Height);
        w.WriteNumber("width", manifest.Width);
        w.WriteNumber("classes", manifest.Classes.Count);
        w.WriteStartObject("records");
        foreach (var s in manifest.Splits) w.WriteNumber(s.Name, s.Count);
        w.WriteEndObject();
        w.WriteString("manifest_sha256", sha);
        w.WriteEndObject();
    }
}
