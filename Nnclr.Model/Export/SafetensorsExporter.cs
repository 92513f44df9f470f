using System.Buffers.Binary;
using System.Text.Json;
using Nnclr.Data;

namespace Nnclr.Model;

/// <summary>
/// Writes weights as safetensors (8-byte LE header length, JSON header, raw little-endian data) with torchvision's
/// key names, so <c>torchvision.models.resnet18().load_state_dict(safetensors.torch.load_file(F), strict=False)</c>
/// misses only <c>fc.*</c>. Deterministic: tensors sorted by name, no timestamps, so the same weights give the same bytes.
/// </summary>
public static class SafetensorsExporter
{
    /// <summary>
    /// Exports <paramref name="module"/>: a backbone's own state (conv1.weight, …); for an <see cref="NnclrNetwork"/>, its
    /// backbone's state without the "backbone." prefix, plus projector.* and predictor.* when <paramref name="includeHeads"/>.
    /// </summary>
    public static void Export(Module module, string path, bool includeHeads = false, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = StateDictOrder.Entries(module)
            .Select(e => (Key: module is NnclrNetwork ? Rename(e.Key, includeHeads) : e.Key, e.Tensor))
            .Where(e => e.Key is not null)
            .Select(e => StateTensor.From(e.Key!, e.Tensor));
        Write(entries, path, metadata);
    }

    /// <summary>
    /// Exports a network at random initialisation from <paramref name="seed"/>: the whole <see cref="NnclrNetwork"/> with
    /// <paramref name="includeHeads"/>, else the backbone alone (the same weights either way).
    /// </summary>
    public static void ExportRandomInit(ModelOptions model, long seed, string path, bool includeHeads = false, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var module = includeHeads ? (Module)NetworkFactory.CreateNetwork(model, seed) : NetworkFactory.CreateBackbone(model, seed);
        Export(module, path, includeHeads, metadata);
    }

    /// <summary>Exports the network inside a trainer snapshot or checkpoint ("model.backbone.*" → torchvision names).</summary>
    public static void Export(TrainerState state, string path, bool includeHeads = false, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = state.Tensors
            .Where(t => t.Name.StartsWith("model.", StringComparison.Ordinal))
            .Select(t => (Key: Rename(t.Name["model.".Length..], includeHeads), Tensor: t))
            .Where(e => e.Key is not null)
            .Select(e => new StateTensor(e.Key!, e.Tensor.DType, e.Tensor.Shape, e.Tensor.Data))
            .ToList();
        if (entries.Count == 0) throw new ArgumentException("the state holds no model.backbone.* tensors to export", nameof(state));
        Write(entries, path, metadata);
    }

    // backbone.X → X; projector.X / predictor.X kept only with heads; anything else dropped.
    private static string? Rename(string key, bool includeHeads) =>
        key.StartsWith("backbone.", StringComparison.Ordinal) ? key["backbone.".Length..]
        : includeHeads && (key.StartsWith("projector.", StringComparison.Ordinal) || key.StartsWith("predictor.", StringComparison.Ordinal)) ? key
        : null;

    /// <summary>
    /// Writes <paramref name="tensors"/> (sorted by name) as a safetensors file, via a temp file and rename; the
    /// string <paramref name="metadata"/> (sorted by key; "format": "pt" unless it says otherwise) goes in __metadata__.
    /// </summary>
    public static void Write(IEnumerable<StateTensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var meta = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        foreach (var (k, v) in metadata ?? new Dictionary<string, string>()) meta[k] = v;
        var sorted = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        using var headerStream = new MemoryStream();
        using (var json = new Utf8JsonWriter(headerStream))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            foreach (var (k, v) in meta) json.WriteString(k, v);
            json.WriteEndObject();
            long offset = 0;
            foreach (var t in sorted)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", StateDTypes.NameOf(t.DType));
                json.WriteStartArray("shape");
                foreach (var d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.Data.LongLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.Data.LongLength;
            }
            json.WriteEndObject();
        }
        // The data section starts 8-aligned: pad the header with spaces, as the reference writer does.
        while (headerStream.Length % 8 != 0) headerStream.WriteByte((byte)' ');
        var full = Path.GetFullPath(path);
        AtomicFile.Write(full, fs =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)headerStream.Length);
            fs.Write(len);
            headerStream.Position = 0;
            headerStream.CopyTo(fs);
            foreach (var t in sorted) fs.Write(t.Data);
        }, 1 << 20);
    }
}
