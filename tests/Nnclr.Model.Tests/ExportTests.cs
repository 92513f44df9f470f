using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;

namespace Nnclr.Model.Tests;

public sealed class ExportTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"nnclr-export-{Guid.NewGuid():N}");

    public ExportTests()
    {
        TorchSetup.Ensure();
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>An independent safetensors reader: u64 LE header length, JSON header, then the data section.</summary>
    private static (Dictionary<string, (string DType, long[] Shape, long Begin, long End)> Tensors, long DataLength, JsonElement Meta) Parse(string path)
    {
        var bytes = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.True(n > 0 && 8 + n <= bytes.Length);
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        var result = new Dictionary<string, (string, long[], long, long)>();
        JsonElement meta = default;
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            if (prop.Name == "__metadata__") { meta = prop.Value.Clone(); continue; }
            var offsets = prop.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            result[prop.Name] = (prop.Value.GetProperty("dtype").GetString()!,
                prop.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(), offsets[0], offsets[1]);
        }
        return (result, bytes.Length - 8 - n, meta);
    }

    [Fact]
    public void Export_RandomResNet18_IndependentReaderSeesTorchvisionKeysShapesDtypes()
    {
        using var backbone = NetworkFactory.CreateBackbone(new ModelOptions { Backbone = "resnet18" }, 0);
        var path = Path.Combine(_dir, "r18.safetensors");
        SafetensorsExporter.Export(backbone, path);
        var (tensors, dataLength, meta) = Parse(path);

        var expected = ArchitectureTests.TorchvisionKeys([2, 2, 2, 2], bottleneck: false);
        Assert.Equal(expected.Order(StringComparer.Ordinal), tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("pt", meta.GetProperty("format").GetString());
        AssertTensor("F32", [64, 3, 7, 7], tensors["conv1.weight"]);
        AssertTensor("F32", [512, 256, 3, 3], tensors["layer4.0.conv1.weight"]);
        AssertTensor("F32", [512], tensors["layer4.1.bn2.running_var"]);
        AssertTensor("I64", [], tensors["bn1.num_batches_tracked"]);
        // Offsets tile the data section exactly, each the right size for its dtype and shape.
        var spans = tensors.Values.OrderBy(t => t.Begin).ToList();
        long cursor = 0, floats = 0;
        foreach (var t in spans)
        {
            Assert.Equal(cursor, t.Begin);
            long elems = t.Shape.Aggregate(1L, (a, b) => a * b);
            Assert.Equal(elems * (t.DType == "F32" ? 4 : 8), t.End - t.Begin);
            if (t.DType == "F32") floats += elems;
            cursor = t.End;
        }
        Assert.Equal(dataLength, cursor);
        // The bytes of conv1.weight are the module's values.
        var bytes = File.ReadAllBytes(path);
        long dataStart = bytes.Length - dataLength;
        var conv1 = tensors["conv1.weight"];
        var module = StateDictOrder.Entries(backbone).First(e => e.Key == "conv1.weight").Tensor;
        Assert.Equal(StateTensor.From("w", module).Data, bytes.AsSpan((int)(dataStart + conv1.Begin), (int)(conv1.End - conv1.Begin)).ToArray());
        // parameters + running mean and var of every BN: bn1 (64), 4 per layer (2 blocks × 2), downsample BNs of layers 2–4
        Assert.Equal(11_176_512 + 2 * (64 + 4 * (64 + 128 + 256 + 512) + 128 + 256 + 512), floats);
    }

    private static void AssertTensor(string dtype, long[] shape, (string DType, long[] Shape, long Begin, long End) actual)
    {
        Assert.Equal(dtype, actual.DType);
        Assert.Equal(shape, actual.Shape);
    }

    [Fact]
    public void Export_SameSeedTwice_IdenticalBytes()
    {
        var o = new ModelOptions { Backbone = "resnet18-cifar" };
        string a = Path.Combine(_dir, "a.safetensors"), b = Path.Combine(_dir, "b.safetensors");
        using (var net = NetworkFactory.CreateBackbone(o, 42)) SafetensorsExporter.Export(net, a);
        using (var net = NetworkFactory.CreateBackbone(o, 42)) SafetensorsExporter.Export(net, b);
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(a)), SHA256.HashData(File.ReadAllBytes(b)));
    }

    [Fact]
    public void ExportRandomInit_BackboneOrWithHeads_SameBackboneBytesAsTheModuleExport()
    {
        var o = new ModelOptions { Backbone = "tiny-cnn" };
        string viaModule = Path.Combine(_dir, "m.safetensors"), backbone = Path.Combine(_dir, "b.safetensors"), heads = Path.Combine(_dir, "h.safetensors");
        using (var net = NetworkFactory.CreateBackbone(o, 42)) SafetensorsExporter.Export(net, viaModule);
        SafetensorsExporter.ExportRandomInit(o, 42, backbone);
        SafetensorsExporter.ExportRandomInit(o, 42, heads, includeHeads: true);
        Assert.Equal(File.ReadAllBytes(viaModule), File.ReadAllBytes(backbone));
        Assert.True(new FileInfo(heads).Length > new FileInfo(backbone).Length);
    }

    [Fact]
    public void Export_FromTrainerState_StripsPrefixAndOptionallyKeepsHeads()
    {
        using var t = TrainerData.Trainer(16);
        var state = t.Snapshot();
        string plain = Path.Combine(_dir, "p.safetensors"), heads = Path.Combine(_dir, "h.safetensors"), live = Path.Combine(_dir, "l.safetensors");
        SafetensorsExporter.Export(state, plain);
        SafetensorsExporter.Export(state, heads, includeHeads: true);
        SafetensorsExporter.Export(t.Network, live);
        var p = Parse(plain).Tensors;
        var h = Parse(heads).Tensors;
        Assert.Contains("conv1.weight", p.Keys);
        Assert.DoesNotContain(p.Keys, k => k.StartsWith("projector", StringComparison.Ordinal) || k.StartsWith("backbone", StringComparison.Ordinal));
        Assert.Contains("projector.0.weight", h.Keys);
        Assert.Contains("predictor.3.bias", h.Keys);
        Assert.Equal(File.ReadAllBytes(plain), File.ReadAllBytes(live)); // snapshot and live network export the same bytes
    }
}
