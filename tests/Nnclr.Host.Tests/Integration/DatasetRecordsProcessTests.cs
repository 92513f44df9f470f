using System.Text.Json;
using Nnclr.Data.Ingest;

namespace Nnclr.Host.Tests.Integration;

/// <summary>Issue #28: a new labelled JPEG dataset (Tiny-ImageNet's layout), tried as a user would; the records must tell the truth.</summary>
[Collection("train-process")]
public sealed class DatasetRecordsProcessTests(DemoData demo) : IClassFixture<DemoData>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Point 1: without --labels the layout is refused with the fix; with val_annotations.txt it gives two splits with their
    /// real classes. Point 2: training on it records that dataset (name, folder, counts, manifest hash) in summary.json.
    /// </summary>
    [Fact]
    public async Task IngestTinyImagenetLayout_WithoutLabelsRefusedNamingTheFix_WithLabelsTwoSplitsOfRealClasses_TrainingRecordsThem()
    {
        var input = Path.Combine(demo.Root, "tiny-" + Guid.NewGuid().ToString("N")[..6]);
        var valClasses = TinyImagenetLayout.Write(input);
        var annotations = Path.Combine(input, "val", "val_annotations.txt");

        var refused = Path.Combine(demo.Root, "tiny-refused");
        using (var p = new NnclrProcess(demo.Root, "ingest", "folder", input, "--format", "jpeg", "--out", refused))
        {
            Assert.Equal(1, await p.WaitAsync(Limit));
            Assert.Contains("the class 'images'", p.Output);
            Assert.Contains("--labels " + annotations, p.Output);
            Assert.False(File.Exists(Path.Combine(refused, "manifest.json")), "a refused ingest must not leave a dataset");
        }

        var outDir = Path.Combine(demo.Root, "tiny-labelled");
        using (var p = new NnclrProcess(demo.Root, "ingest", "folder", input, "--format", "jpeg", "--labels", annotations, "--out", outDir))
        {
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
            // The class folders' box files and val_annotations.txt are skipped: one summary line, not one line each; all in the report.
            var textLines = p.Output.Split('\n').Where(l => l.Contains("_boxes.txt", StringComparison.Ordinal)).ToList();
            Assert.True(textLines.Count == 1, p.Output);
            Assert.Contains($"{TinyImagenetLayout.Classes + 1} × not a .jpg/.jpeg/.png file", textLines[0]);
            using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "ingest-report.json")));
            Assert.Equal(TinyImagenetLayout.Classes + 1, report.RootElement.GetProperty("skippedCount").GetInt32());
        }
        using var info = new NnclrProcess(demo.Root, "shards", "info", outDir, "--json");
        Assert.True(await info.WaitAsync(Limit) == 0, info.Output);
        using var doc = JsonDocument.Parse(info.Output[info.Output.IndexOf('{')..]);
        var classes = doc.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetString()!).ToArray();
        Assert.Equal(valClasses.Values.Distinct().Order(StringComparer.Ordinal).ToArray(), classes);
        var splits = doc.RootElement.GetProperty("splits").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal(["train", "test"], splits.Keys.ToArray());
        int[] Counts(string split) => splits[split].GetProperty("classCounts").EnumerateArray().Select(c => c.GetProperty("count").GetInt32()).ToArray();
        Assert.Equal(Enumerable.Repeat(TinyImagenetLayout.TrainPerClass, TinyImagenetLayout.Classes), Counts("train"));
        Assert.Equal(Enumerable.Repeat(TinyImagenetLayout.ValPerClass, TinyImagenetLayout.Classes), Counts("test"));
        // The first test record carries the class the annotations give its file.
        var first = splits["test"].GetProperty("firstRecord");
        var file = Path.GetFileName(first.GetProperty("sourcePath").GetString()!);
        Assert.Equal(valClasses[file], first.GetProperty("className").GetString());

        // Point 2: a cpu-smoke run on it records the dataset it read, not the preset's "cifar10"; point 5: the peak memory.
        var run = demo.NewRunDir("tiny-run");
        var args = demo.TrainArgs(run, 2, 2, "--set", "Optim:BatchSize=8").Select(a => a == demo.DataDir ? outDir : a == "demo" ? "cpu-smoke" : a).ToArray();
        using (var p = new NnclrProcess(demo.Root, args))
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        var s = summary.RootElement;
        Assert.Equal(Path.GetFileName(input), s.GetProperty("dataset").GetString()); // the ingested folder's name
        var read = s.GetProperty("dataset_read");
        Assert.Equal(Path.GetFullPath(outDir), read.GetProperty("dir").GetString());
        Assert.Equal(TinyImagenetLayout.Classes * TinyImagenetLayout.TrainPerClass, read.GetProperty("records").GetProperty("train").GetInt32());
        Assert.Equal(TinyImagenetLayout.Classes * TinyImagenetLayout.ValPerClass, read.GetProperty("records").GetProperty("test").GetInt32());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(outDir, "manifest.json")))),
            read.GetProperty("manifest_sha256").GetString());
        Assert.True(s.GetProperty("rss_peak_mb").GetDouble() > 0);
        var line = File.ReadLines(Path.Combine(run, "metrics.jsonl")).First(l => l.Contains("\"rss_peak_mb\"", StringComparison.Ordinal));
        using var metrics = JsonDocument.Parse(line);
        Assert.True(metrics.RootElement.GetProperty("rss_peak_mb").GetDouble() >= metrics.RootElement.GetProperty("rss_mb").GetDouble() * 0.99);
    }

    /// <summary>
    /// Point 4: the final evaluation shows its progress in the JSON log (images done of all, rate, ETA) and logs each
    /// network's result as it is classified, the trained one's first, before the phase ends; metrics.jsonl has the final line.
    /// </summary>
    [Fact]
    public async Task FinalEvaluation_ProgressEventsThenEachNetworksResult_TrainedFirst()
    {
        var run = demo.NewRunDir("eval-progress");
        using var p = new NnclrProcess(demo.Root, demo.TrainArgs(run, 2, 2, "--set", "Eval:Baseline=true"));
        Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
        var events = Events(p.Output);
        var progress = events.First(e => Event(e) == "eval_progress");
        Assert.Equal("trained,random_init", progress.GetProperty("networks").GetString());
        Assert.Equal(640 + 160, progress.GetProperty("images_total").GetInt64());
        Assert.InRange(progress.GetProperty("images_done").GetInt64(), 1, 640 + 160);
        Assert.True(progress.GetProperty("images_per_s").GetDouble() > 0, p.Output);
        Assert.True(progress.GetProperty("eta_s").GetDouble() >= 0, p.Output);
        var order = events.Select(Event).Where(e => e is "eval_progress" or "final_eval_network" or "phase_done" or "final_eval").Distinct().ToArray();
        Assert.Equal(["eval_progress", "final_eval_network", "phase_done", "final_eval"], order);
        var networks = events.Where(e => Event(e) == "final_eval_network").ToList();
        Assert.Equal(["trained", "random_init"], networks.Select(e => e.GetProperty("network").GetString()!).ToArray());
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        var final = summary.RootElement.GetProperty("final_eval");
        Assert.Equal(networks[0].GetProperty("knn_top1").GetDouble(), final.GetProperty("knn_top1").GetDouble());
        Assert.Equal(networks[1].GetProperty("knn_top1_random_init").GetDouble(), final.GetProperty("knn_top1_random_init").GetDouble());
        Assert.Single(File.ReadAllLines(Path.Combine(run, "metrics.jsonl")), l => l.Contains("\"phase\":\"final\"", StringComparison.Ordinal));
    }

    /// <summary>Point 4: a SIGTERM during the final evaluation says what it does (not "finishing the current step"), ends "stopped", exit 0.</summary>
    [Fact]
    public async Task FinalEvaluation_Sigterm_SaysItAbandonsTheEvaluationAndTheCheckpointIsOnDisk()
    {
        // 3,000 + 500 images: the pass (about 2 s idle on two cores) outlasts the signal's way after its first batch.
        var data = Path.Combine(demo.Root, "demo-eval-" + Guid.NewGuid().ToString("N")[..6]);
        DemoDataset.Generate(data, trainCount: 3_000, testCount: 500, seed: 3);
        var run = demo.NewRunDir("eval-sigterm");
        var args = demo.TrainArgs(run, 2, 2, "--set", "Eval:Baseline=true").Select(a => a == demo.DataDir ? data : a).ToArray();
        using var p = new NnclrProcess(demo.Root, args);
        await p.WaitUntilAsync(() => p.Output.Contains("\"event\":\"eval_progress\"", StringComparison.Ordinal), Limit, "the final evaluation's progress");
        p.Terminate();
        Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
        var events = Events(p.Output);
        var stopping = Assert.Single(events, e => Event(e) == "stopping").GetProperty("message").GetString()!;
        Assert.Contains("abandoning the final evaluation; the checkpoint of step 2 is on disk", stopping);
        Assert.DoesNotContain("finishing the current step", stopping);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        Assert.Equal("stopped", summary.RootElement.GetProperty("status").GetString());
        Assert.Equal(2, summary.RootElement.GetProperty("steps").GetInt64());
    }

    private static List<JsonElement> Events(string output) =>
        output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    private static string Event(JsonElement e) => e.GetProperty("event").GetString()!;
}
