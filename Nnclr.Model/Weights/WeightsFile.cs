namespace Nnclr.Model;

/// <summary>
/// Network weights read from a file, with torchvision's key names for the backbone (<c>conv1.weight</c>,
/// <c>layer1.0.bn1.running_mean</c>, …) and <c>projector.*</c> / <c>predictor.*</c> for the heads, plus the file's
/// string metadata. Host tensors only, so it can cross threads.
/// </summary>
public sealed class WeightsFile
{
    // Name → tensor; names unique, in the file's order.
    private readonly Dictionary<string, StateTensor> _byName;

    public WeightsFile(string path, IEnumerable<StateTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _byName = new Dictionary<string, StateTensor>(StringComparer.Ordinal);
        foreach (var t in tensors)
            if (!_byName.TryAdd(t.Name, t)) throw new WeightsFormatException(path, $"two tensors named '{t.Name}'");
        Metadata = metadata;
    }

    /// <summary>Where the weights came from (a file, or "checkpoint PATH").</summary>
    public string Path { get; }

    /// <summary>The file's string metadata (safetensors __metadata__; empty for a .pth).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor name.</summary>
    public IEnumerable<string> Names => _byName.Keys;

    /// <summary>True and the tensor when present.</summary>
    public bool TryGet(string name, out StateTensor tensor) => _byName.TryGetValue(name, out tensor!);

    /// <summary>Reads a .safetensors file or a PyTorch state_dict (.pth/.pt, torch.save's zip format), by content.</summary>
    public static WeightsFile Read(string path)
    {
        if (!File.Exists(path)) throw new WeightsFormatException(path, "file does not exist");
        Span<byte> magic = stackalloc byte[4];
        using (var fs = File.OpenRead(path))
            if (fs.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4) throw new WeightsFormatException(path, "file is shorter than 4 bytes");
        if (magic.SequenceEqual("PK\u0003\u0004"u8)) return PthReader.Read(path);
        // A pickle starts with PROTO (0x80, 2…5) and an opcode; a safetensors header length of 0x0280 has zeros there.
        if (magic[0] == 0x80 && magic[1] is >= 2 and <= 5 && magic[2] != 0)
            throw new WeightsFormatException(path, "a bare Python pickle (torch.save's legacy format), not the zip format; re-save with torch.save(model.state_dict(), F) on PyTorch ≥ 1.6 or export safetensors");
        return SafetensorsReader.Read(path);
    }

    /// <summary>The network inside a trainer state: "model.backbone.X" → "X", "model.projector|predictor.X" kept as "projector|predictor.X".</summary>
    public static WeightsFile FromTrainerState(string path, TrainerState state, IReadOnlyDictionary<string, string> metadata)
    {
        var tensors = new List<StateTensor>();
        foreach (var t in state.Tensors)
        {
            if (!t.Name.StartsWith("model.", StringComparison.Ordinal)) continue;
            var key = t.Name["model.".Length..];
            if (key.StartsWith("backbone.", StringComparison.Ordinal)) key = key["backbone.".Length..];
            tensors.Add(new StateTensor(key, t.DType, t.Shape, t.Data));
        }
        return new WeightsFile(path, tensors, metadata);
    }
}
