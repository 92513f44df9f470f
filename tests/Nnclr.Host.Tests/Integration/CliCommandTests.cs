using System.Text.Json;

namespace Nnclr.Host.Tests.Integration;

/// <summary>The data and benchmark commands as a user runs them, on the shared CIFAR-10 archive.</summary>
[Collection("train-process")]
public sealed class CliCommandTests(DemoData demo) : IClassFixture<DemoData>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task IngestCifar10ThenShardsInfo_SharedArchive_ReportsOfficialCountsAndFirstTestRecord()
    {
        var outDir = Path.Combine(demo.Root, "cifar10");
        using (var p = new NnclrProcess(demo.Root, "ingest", "cifar10", CifarArchive(), "--out", outDir))
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
        using var info = new NnclrProcess(demo.Root, "shards", "info", outDir, "--json");
        Assert.True(await info.WaitAsync(Limit) == 0, info.Output);
        using var doc = JsonDocument.Parse(info.Output);
        var root = doc.RootElement;
        Assert.Equal((32, 32), (root.GetProperty("height").GetInt32(), root.GetProperty("width").GetInt32()));
        var splits = root.GetProperty("splits").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal(50_000, splits["train"].GetProperty("count").GetInt32());
        Assert.Equal(10_000, splits["test"].GetProperty("count").GetInt32());
        Assert.All(splits["train"].GetProperty("classCounts").EnumerateArray(), c => Assert.Equal(5_000, c.GetProperty("count").GetInt32()));
        Assert.All(splits["test"].GetProperty("classCounts").EnumerateArray(), c => Assert.Equal(1_000, c.GetProperty("count").GetInt32()));
        var first = splits["test"].GetProperty("firstRecord");
        Assert.Equal("cat", first.GetProperty("className").GetString());
        Assert.Equal([158, 112, 49], first.GetProperty("firstPixel").EnumerateArray().Select(e => e.GetInt32()).ToArray());

        // Ingesting over a complete dataset is refused and leaves it intact.
        using (var again = new NnclrProcess(demo.Root, "ingest", "cifar10", CifarArchive(), "--out", outDir))
        {
            Assert.NotEqual(0, await again.WaitAsync(Limit));
            Assert.Contains(outDir, again.Output);
        }
        using var still = new NnclrProcess(demo.Root, "shards", "info", outDir, "--json", "--verify");
        Assert.True(await still.WaitAsync(Limit) == 0, still.Output);
    }

    [Fact]
    public async Task BenchPipeline_StandInAndRealStep_ReportsStagesBottleneckAndRatio()
    {
        string[] common = ["--preset", "demo", "--data", demo.DataDir, "--batch-size", "32", "--steps", "20", "--json",
            "--set", "Nnclr:SupportSetSize=256;Model:ProjectorHidden=64;Model:ProjectorOut=32;Model:PredictorHidden=64"];
        foreach (var step in new[] { "stand-in", "real" })
        {
            using var p = new NnclrProcess(demo.Root, ["bench", "pipeline", "--step", step, .. common]);
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
            using var doc = JsonDocument.Parse(p.Output[p.Output.IndexOf('{')..]);
            var r = doc.RootElement;
            Assert.True(r.GetProperty("images_per_s").GetDouble() > 0);
            var stages = r.GetProperty("stages");
            Assert.Equal(["read", "augment", "upload", "train", "checkpoint"],
                stages.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).ToArray());
            Assert.Contains(stages.GetProperty("bottleneck").GetString(), new[] { "read", "augment", "upload", "train" });
            Assert.Equal(step == "real", r.TryGetProperty("ratio_to_synthetic", out var ratio));
            if (step == "real") Assert.InRange(ratio.GetDouble(), 0.05, 20);
        }
    }

    [Fact]
    public async Task BenchStep_BadPrecision_ExitsWithErrorNamingTheSetting()
    {
        using var p = new NnclrProcess(demo.Root, "bench", "step", "--preset", "demo", "--precision", "fp8");
        Assert.Equal(2, await p.WaitAsync(Limit));
        Assert.Contains("Model:Precision", p.Output);
    }

    [Fact]
    public async Task IngestUnlabelledThenBenchAugmentSource_RealPhotos_WritesDatasetAndReportsDecodeShare()
    {
        var photos = Path.Combine(Path.GetDirectoryName(CifarArchive())!, "imagenet-sample-500");
        var outDir = Path.Combine(demo.Root, "photos-unlabelled");
        using (var p = new NnclrProcess(demo.Root, "ingest", "folder", photos, "--unlabelled", "--size", "32", "--out", outDir))
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
        using (var info = new NnclrProcess(demo.Root, "shards", "info", outDir, "--json"))
        {
            Assert.True(await info.WaitAsync(Limit) == 0, info.Output);
            using var doc = JsonDocument.Parse(info.Output[info.Output.IndexOf('{')..]);
            Assert.Equal(500, doc.RootElement.GetProperty("splits")[0].GetProperty("count").GetInt32());
        }
        using var bench = new NnclrProcess(demo.Root, "bench", "augment", "--source", photos, "--size", "96", "--seconds", "0.5", "--no-peer", "--json");
        Assert.True(await bench.WaitAsync(Limit) == 0, bench.Output);
        using var result = JsonDocument.Parse(bench.Output[bench.Output.IndexOf('{')..]);
        var ours = result.RootElement.GetProperty("ours");
        Assert.True(ours.GetProperty("images").GetInt64() > 0, bench.Output);
        Assert.InRange(ours.GetProperty("decodeShare").GetDouble(), 0.01, 0.99);
        Assert.Equal(500, result.RootElement.GetProperty("files").GetInt32());
    }

    /// <summary>Issue #17 point 5: SIGTERM during an ingest ends it at the next chunk, with its report and no manifest.</summary>
    [Fact]
    public async Task IngestFolder_SigtermMidway_Exit130WithStoppedReportAndNoManifest()
    {
        var photos = Path.Combine(Path.GetDirectoryName(CifarArchive())!, "imagenet-sample-500");
        // 2,000 inputs (file symlinks to the 500 photos, four times over), so the ingest is far from done when the signal arrives.
        var input = Path.Combine(demo.Root, "many-photos-" + Guid.NewGuid().ToString("N")[..6]);
        for (int k = 0; k < 4; k++)
        {
            var dir = Directory.CreateDirectory(Path.Combine(input, $"copy{k}")).FullName;
            foreach (var f in Directory.GetFiles(photos, "*.JPEG")) File.CreateSymbolicLink(Path.Combine(dir, Path.GetFileName(f)), f);
        }
        var outDir = Path.Combine(demo.Root, "stopped-ingest-" + Guid.NewGuid().ToString("N")[..6]);
        using var p = new NnclrProcess(demo.Root, "ingest", "folder", input, "--unlabelled", "--size", "224", "--threads", "1", "--out", outDir);
        await p.WaitUntilAsync(() => p.Output.Contains(" files, ", StringComparison.Ordinal), TimeSpan.FromMinutes(10), "the first chunk's progress line");
        p.Terminate();
        Assert.Equal(130, await p.WaitAsync(TimeSpan.FromMinutes(10)));
        Assert.Contains("nnclr ingest: stopped", p.Output);
        Assert.False(File.Exists(Path.Combine(outDir, "manifest.json")), "a stopped ingest must not look complete");
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "ingest-report.json")));
        Assert.Contains("stopped by a signal", report.RootElement.ToString());
    }

    private static string CifarArchive()
    {
        var env = Environment.GetEnvironmentVariable("NNCLR_SHARED_DATA");
        if (!string.IsNullOrEmpty(env)) return Path.Combine(env, "cifar-10-binary.tar.gz");
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared", "data", "cifar-10-binary.tar.gz");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("shared/data/cifar-10-binary.tar.gz not found (set NNCLR_SHARED_DATA)");
    }
}
