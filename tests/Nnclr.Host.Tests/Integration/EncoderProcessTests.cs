using System.Text.Json;

namespace Nnclr.Host.Tests.Integration;

/// <summary>Weights out and back in through the real `nnclr` commands: export, embed, train --init-from.</summary>
[Collection("train-process")]
public sealed class EncoderProcessTests(DemoData demo) : IClassFixture<DemoData>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    private async Task<string> Run(int expectedExit, params string[] args)
    {
        using var p = new NnclrProcess(demo.Root, args);
        int code = await p.WaitAsync(Limit);
        Assert.True(code == expectedExit, $"exit {code}, expected {expectedExit}: nnclr {string.Join(' ', args)}\n{p.Output}");
        return p.Output;
    }

    [Fact]
    public async Task ExportRunDirThenEmbedAndInitFrom_SameEmbeddingsAsTheCheckpointAndClearKeyErrors()
    {
        var runDir = demo.NewRunDir("export");
        await Run(0, demo.TrainArgs(runDir, steps: 4, checkpointEvery: 2));
        var weights = Path.Combine(demo.Root, "exported-" + Guid.NewGuid().ToString("N")[..6] + ".safetensors");
        var exported = await Run(0, "export", "--checkpoint", runDir, "--out", weights, "--include-heads");
        Assert.Contains("(step 4)", exported, StringComparison.Ordinal);
        var meta = Nnclr.Model.SafetensorsReader.Read(weights).Metadata;
        Assert.Equal(("tiny-cnn", "none", "32", "4"), (meta["architecture"], meta["stem"], meta["input_size"], meta["step"]));
        Assert.Equal("[0.4914, 0.4822, 0.4465]", meta["mean"]);

        // The run directory and its export give byte-identical embeddings (backbone and projector).
        foreach (var projector in new[] { false, true })
        {
            string[] extra = projector ? ["--projector"] : [];
            var fromRun = Path.Combine(demo.Root, $"run-{projector}-{Guid.NewGuid():N}.npy");
            var fromFile = Path.Combine(demo.Root, $"file-{projector}-{Guid.NewGuid():N}.npy");
            await Run(0, ["embed", "--checkpoint", runDir, "--data", demo.DataDir, "--split", "test", "--out", fromRun, .. extra]);
            var output = await Run(0, ["embed", "--checkpoint", weights, "--data", demo.DataDir, "--split", "test", "--out", fromFile, "--json", .. extra]);
            Assert.Equal(File.ReadAllBytes(fromRun), File.ReadAllBytes(fromFile));
            Assert.Equal(File.ReadAllBytes(Path.ChangeExtension(fromRun, ".paths.txt")), File.ReadAllBytes(Path.ChangeExtension(fromFile, ".paths.txt")));
            var set = Nnclr.Model.EmbeddingSet.Read(fromFile);
            Assert.Equal((160, projector ? 32 : 256), (set.Count, set.Dim));
            Assert.Equal("test#0", set.Paths[0]);
            Assert.Contains("\"imagesPerSecond\"", output, StringComparison.Ordinal);
        }

        // train --init-from: a new run starts from the exported backbone.
        var initRun = demo.NewRunDir("init");
        var trained = await Run(0, demo.TrainArgs(initRun, steps: 2, checkpointEvery: 2, "--init-from", weights));
        Assert.Contains("backbone initialised from weights " + weights, trained, StringComparison.Ordinal);

        // A file for another network: exit 2, naming the file and listing the missing and unexpected keys.
        var r18 = Path.Combine(demo.Root, "r18-" + Guid.NewGuid().ToString("N")[..6] + ".safetensors");
        var stem = await Run(0, "export", "--random-init", "--arch", "resnet18", "--out", r18);
        Assert.Contains("using the ImageNet stem", stem, StringComparison.Ordinal);
        Assert.Equal("imagenet", Nnclr.Model.SafetensorsReader.Read(r18).Metadata["stem"]);
        var refused = await Run(2, demo.TrainArgs(demo.NewRunDir("bad-init"), steps: 2, checkpointEvery: 2, "--init-from", r18));
        Assert.Contains(r18, refused, StringComparison.Ordinal);
        Assert.Contains("missing keys (", refused, StringComparison.Ordinal);
        Assert.Contains("unexpected keys (", refused, StringComparison.Ordinal);
        Assert.Contains("layer1.0.conv1.weight", refused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvalKnn_ExportedRandomInitWeights_SameAccuracyAsThePresetsRandomInit()
    {
        var weights = Path.Combine(demo.Root, "tiny42-" + Guid.NewGuid().ToString("N")[..6] + ".safetensors");
        await Run(0, "export", "--random-init", "--arch", "tiny", "--seed", "42", "--out", weights);
        var fromFile = await Run(0, "eval", "knn", "--checkpoint", weights, "--preset", "demo", "--data", demo.DataDir, "--json");
        var random = await Run(0, "eval", "knn", "--random-init", "--preset", "demo", "--data", demo.DataDir, "--json");
        static (double, double) Accuracy(string output)
        {
            using var doc = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]);
            return (doc.RootElement.GetProperty("top1").GetDouble(), doc.RootElement.GetProperty("top5").GetDouble());
        }
        Assert.Equal(Accuracy(random), Accuracy(fromFile));
        Assert.Contains("(tiny-cnn)", fromFile, StringComparison.Ordinal);
    }
}
