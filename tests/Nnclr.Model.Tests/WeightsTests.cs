using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Nnclr.Model.Tests;

/// <summary>Weights in and out: safetensors and PyTorch .pth read back into backbones, strictly, with metadata.</summary>
public sealed class WeightsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"nnclr-weights-{Guid.NewGuid():N}");

    public WeightsTests()
    {
        TorchSetup.Ensure();
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>A float32 C-order .npy of any rank: (shape, values).</summary>
    private static (long[] Shape, float[] Values) ReadNpy(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Contains("'descr': '<f4'", header, StringComparison.Ordinal);
        var shape = Regex.Match(header, @"'shape': \(([^)]*)\)").Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var values = new float[(bytes.Length - 10 - headerLength) / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(10 + headerLength + 4 * i));
        Assert.Equal(shape.Aggregate(1L, (a, b) => a * b), values.LongLength);
        return (shape, values);
    }

    [Fact]
    public void PthReader_StateDictWrittenByPyTorch_FeaturesMatchPyTorchs()
    {
        var weights = WeightsFile.Read(Fixture("tiny-cnn.pth"));
        Assert.Equal("tiny-cnn", BackboneWeights.InferBackbone(weights));
        Assert.True(weights.TryGet("bn1.num_batches_tracked", out var tracked));
        Assert.Empty(tracked.Shape); // PyTorch's 0-dim buffer stays 0-dim
        Assert.Equal(3, tracked.AsInt64());
        Assert.True(weights.TryGet("conv2.weight", out var conv2));
        Assert.Equal(ScalarType.Float16, conv2.DType);

        using var net = new FeatureNetwork(new ModelOptions { Backbone = "tiny-cnn" }, seed: 7, CPU);
        net.Load(weights); // float16 → float32
        var (inShape, input) = ReadNpy(Fixture("tiny-cnn-input.npy"));
        var (outShape, expected) = ReadNpy(Fixture("tiny-cnn-features.npy"));
        using var x = tensor(input, inShape);
        using var features = net.Features(x);
        Assert.Equal(outShape, features.shape);
        var actual = features.data<float>().ToArray();
        double worst = actual.Zip(expected, (a, e) => Math.Abs(a - e) / (1e-3 + Math.Abs(e))).Max();
        Assert.True(worst < 1e-4, $"largest relative difference to PyTorch's features {worst}");
    }

    [Fact]
    public void Export_ThenRead_SameTensorsAndMetadataAndInferredArchitecture()
    {
        foreach (var (backbone, size) in new[] { ("resnet18", 224), ("resnet18-cifar", 32), ("resnet50", 224), ("tiny-cnn", 32) })
        {
            using var module = NetworkFactory.CreateBackbone(new ModelOptions { Backbone = backbone }, 3);
            var path = Path.Combine(_dir, backbone + ".safetensors");
            var meta = new WeightsMetadata(backbone, size, [0.1f, 0.2f, 0.3f], [0.4f, 0.5f, 0.6f], 1234);
            SafetensorsExporter.Export(module, path, metadata: meta.ToDictionary());
            var read = SafetensorsReader.Read(path);
            var entries = StateDictOrder.Entries(module);
            Assert.Equal(entries.Select(e => e.Key).Order(StringComparer.Ordinal), read.Names.Order(StringComparer.Ordinal));
            foreach (var (key, t, _) in entries)
            {
                Assert.True(read.TryGet(key, out var r));
                Assert.True(StateTensor.From(key, t).ContentEquals(r), key);
            }
            Assert.Equal(backbone, BackboneWeights.InferBackbone(read));
            // Without metadata the keys and shapes alone give the same answer.
            var bare = new WeightsFile(path, read.Names.Select(n => { read.TryGet(n, out var t); return t; }), new Dictionary<string, string>());
            Assert.Equal(backbone, BackboneWeights.InferBackbone(bare));
            Assert.Equal("1234", read.Metadata["step"]);
            Assert.Equal(backbone is "tiny-cnn" ? "none" : backbone.EndsWith("-cifar", StringComparison.Ordinal) ? "cifar" : "imagenet", read.Metadata["stem"]);
            var (inputSize, mean, std) = WeightsMetadata.Preprocessing(read.Metadata);
            Assert.Equal(size, inputSize);
            Assert.Equal(new[] { 0.1f, 0.2f, 0.3f }, mean!);
            Assert.Equal(new[] { 0.4f, 0.5f, 0.6f }, std!);
            Assert.Matches("^[0-9a-f]{40}$|^unknown$", read.Metadata["nnclr_commit"]);
            Assert.False(string.IsNullOrEmpty(read.Metadata["nnclr_version"]));
        }
    }

    [Fact]
    public void CopyInto_WrongKeys_OneErrorListingMissingUnexpectedAndMisShaped()
    {
        using var source = NetworkFactory.CreateBackbone(new ModelOptions { Backbone = "tiny-cnn" }, 1);
        var tensors = StateDictOrder.Entries(source).Where(e => e.Key != "conv1.weight")
            .Select(e => StateTensor.From(e.Key == "bn4.bias" ? "bn4.bias" : e.Key, e.Key == "bn4.bias" ? torch.zeros(255) : e.Tensor)).ToList();
        tensors.Add(StateTensor.From("head.weight", torch.zeros(3)));
        tensors.Add(StateTensor.From("fc.weight", torch.zeros(10, 256))); // torchvision's classifier: ignored
        var weights = new WeightsFile("bad.safetensors", tensors, new Dictionary<string, string>());
        using var target = NetworkFactory.CreateBackbone(new ModelOptions { Backbone = "tiny-cnn" }, 2);
        var e = Assert.Throws<WeightsFormatException>(() => BackboneWeights.CopyInto(target, weights));
        Assert.Contains("bad.safetensors", e.Message, StringComparison.Ordinal);
        Assert.Contains("missing keys (1): conv1.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected keys (1): head.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("wrong shapes (1): bn4.bias is Float32 [255]", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("fc.weight", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SafetensorsReader_DamagedFiles_ClearErrorNamingFileAndTensor()
    {
        using var module = NetworkFactory.CreateBackbone(new ModelOptions { Backbone = "tiny-cnn" }, 1);
        var good = Path.Combine(_dir, "good.safetensors");
        SafetensorsExporter.Export(module, good);
        var bytes = File.ReadAllBytes(good);

        var truncated = Path.Combine(_dir, "truncated.safetensors");
        File.WriteAllBytes(truncated, bytes[..^100]);
        var e = Assert.Throws<WeightsFormatException>(() => WeightsFile.Read(truncated));
        Assert.Contains("truncated.safetensors", e.Message, StringComparison.Ordinal);
        Assert.Contains("outside the", e.Message, StringComparison.Ordinal);

        var huge = Path.Combine(_dir, "huge.safetensors");
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy, ulong.MaxValue / 2);
        File.WriteAllBytes(huge, copy);
        e = Assert.Throws<WeightsFormatException>(() => WeightsFile.Read(huge));
        Assert.Contains("header length", e.Message, StringComparison.Ordinal);

        var notJson = Path.Combine(_dir, "garbage.pth");
        File.WriteAllBytes(notJson, [.. "PK\u0003\u0004"u8, .. new byte[64]]);
        e = Assert.Throws<WeightsFormatException>(() => WeightsFile.Read(notJson));
        Assert.Contains("garbage.pth", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RoundTrip_TrainedStateExportedThenInitFrom_IdenticalFeatures()
    {
        // A trainer after a few steps (BN statistics and weights away from init) → export → read → another trainer's backbone.
        using var trained = TrainerData.Trainer(16, seed: 5);
        TrainerData.Run(trained, 0, 3);
        var state = trained.Snapshot();
        var path = Path.Combine(_dir, "trained.safetensors");
        SafetensorsExporter.Export(state, path);
        using var fresh = TrainerData.Trainer(16, seed: 99);
        BackboneWeights.CopyInto(fresh.Backbone, WeightsFile.Read(path)); // what train --init-from does
        using var x = torch.randn([8, 3, 16, 16], generator: new Generator(11));
        using var a = trained.Features(x);
        using var b = fresh.Features(x);
        Assert.Equal(a.data<float>().ToArray(), b.data<float>().ToArray());

        // And the evaluation network loaded from the file equals the one loaded from the checkpoint state.
        using var fromState = new FeatureNetwork(TrainerData.TinyModel(), 1, CPU);
        fromState.Load(state);
        using var fromFile = new FeatureNetwork(TrainerData.TinyModel(), 2, CPU);
        fromFile.Load(WeightsFile.Read(path));
        using var fa = fromState.Features(x);
        using var fb = fromFile.Features(x);
        Assert.Equal(fa.data<float>().ToArray(), fb.data<float>().ToArray());
    }
}
