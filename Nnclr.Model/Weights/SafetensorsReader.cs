using System.Buffers.Binary;
using System.Text.Json;

namespace Nnclr.Model;

/// <summary>
/// Reads a safetensors file (u64 LE header length, JSON header, data section). Every size and offset is checked
/// against the file length before anything is allocated; one clear error names the file and the tensor.
/// </summary>
public static class SafetensorsReader
{
    /// <summary>Largest header accepted (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public static WeightsFile Read(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long fileLength = fs.Length;
        Span<byte> len = stackalloc byte[8];
        if (fs.ReadAtLeast(len, 8, throwOnEndOfStream: false) < 8) throw new WeightsFormatException(path, "not a safetensors file (shorter than 8 bytes)");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (headerLength < 2 || headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
            throw new WeightsFormatException(path, $"not a safetensors file (header length {headerLength} for a {fileLength}-byte file)");
        var header = new byte[headerLength];
        fs.ReadExactly(header);
        long dataStart = 8 + (long)headerLength, dataLength = fileLength - dataStart;
        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<(string Name, ScalarType DType, long[] Shape, long Begin, long End)>();
        try
        {
            using var doc = JsonDocument.Parse(header);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new WeightsFormatException(path, "safetensors header is not a JSON object");
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    foreach (var m in prop.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                    continue;
                }
                var dtypeName = prop.Value.GetProperty("dtype").GetString() ?? "";
                var dtype = StateDTypes.Parse(dtypeName) ?? throw new WeightsFormatException(path, $"tensor '{prop.Name}': dtype '{dtypeName}' is not supported");
                var shape = prop.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = prop.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
                    throw new WeightsFormatException(path, $"tensor '{prop.Name}': data_offsets [{string.Join(", ", offsets)}] outside the {dataLength}-byte data section");
                if (shape.Any(d => d < 0)) throw new WeightsFormatException(path, $"tensor '{prop.Name}': negative dimension in [{string.Join(", ", shape)}]");
                long expected = StateDTypes.ByteLength(dtype, shape);
                if (expected < 0) throw new WeightsFormatException(path, $"tensor '{prop.Name}': shape [{string.Join(", ", shape)}] is too large");
                if (expected != offsets[1] - offsets[0])
                    throw new WeightsFormatException(path, $"tensor '{prop.Name}': {offsets[1] - offsets[0]} bytes for {dtypeName} [{string.Join(", ", shape)}], expected {expected}");
                if (expected > Array.MaxLength) throw new WeightsFormatException(path, $"tensor '{prop.Name}': {expected} bytes is more than one array holds");
                entries.Add((prop.Name, dtype, shape, offsets[0], offsets[1]));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new WeightsFormatException(path, $"bad safetensors header: {e.Message}");
        }
        // Each tensor owns its bytes: overlapping ranges would read one tensor's bytes as another's.
        var byBegin = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < byBegin.Count; i++)
            if (byBegin[i].Begin < byBegin[i - 1].End)
                throw new WeightsFormatException(path, $"tensors '{byBegin[i - 1].Name}' and '{byBegin[i].Name}' overlap (data_offsets [{byBegin[i - 1].Begin}, {byBegin[i - 1].End}] and [{byBegin[i].Begin}, {byBegin[i].End}])");
        var tensors = new List<StateTensor>(entries.Count);
        foreach (var (name, dtype, shape, begin, end) in entries)
        {
            var data = new byte[end - begin];
            fs.Position = dataStart + begin;
            fs.ReadExactly(data);
            tensors.Add(new StateTensor(name, dtype, shape, data));
        }
        return new WeightsFile(Path.GetFullPath(path), tensors, metadata);
    }
}
