using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Nnclr.Host.Commands;
using Nnclr.Host.Status;

namespace Nnclr.Host.Tests.Integration;

/// <summary>
/// Issue 14 on the real `nnclr train`: the Prometheus endpoint scraped over loopback while a demo run trains, `status`
/// on a running, a stopped and a killed run, the kNN evaluations in metrics.jsonl and TensorBoard, and the report
/// written when the run ends.
/// </summary>
[Collection("train-process")]
public sealed partial class ObservabilityProcessTests(DemoData demo) : IClassFixture<DemoData>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    // A config file enabling the endpoint on a free loopback port and a kNN after every epoch (20 steps here).
    private (string File, int Port) TelemetryConfig(string runDir)
    {
        int port = FreePort();
        Directory.CreateDirectory(runDir + "-cfg");
        var file = Path.Combine(runDir + "-cfg", "telemetry.json");
        File.WriteAllText(file, $$"""{ "Telemetry": { "PrometheusPort": {{port}} }, "Eval": { "KnnEveryEpochs": 1 } }""");
        return (file, port);
    }

    [Fact]
    public async Task Train_PrometheusPortScrapedWhileRunning_TrainingAndStageSeriesSaneThenStatusAndReport()
    {
        var run = demo.NewRunDir("obs");
        var (config, port) = TelemetryConfig(run);
        using var p = new NnclrProcess(demo.Root, demo.TrainArgs(run, 100_000, 1000, "--config", config));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = $"http://localhost:{port}/metrics";

        // Scrape until a periodic kNN has been published (after the first epoch), as Prometheus would.
        var series = new List<Sample>();
        await p.WaitUntilAsync(() =>
        {
            try { series = Parse(http.GetStringAsync(url).GetAwaiter().GetResult()); }
            catch (HttpRequestException) { return false; } // not listening yet
            return series.Any(x => x.Name == "nnclr_eval_knn_top1" && x.Labels.GetValueOrDefault("phase") == "periodic");
        }, Limit, "a scrape showing a periodic kNN");
        var health = RunHealth.Read(run);
        p.Terminate();
        Assert.True(await p.WaitAsync(TimeSpan.FromSeconds(90)) == 0, p.Output);
        double V(string name, params (string Key, string Value)[] labels) =>
            series.First(x => x.Name == name && labels.All(l => x.Labels.GetValueOrDefault(l.Key) == l.Value)).Value;
        string Type(string name) => series.First(x => x.Name == name).Type;

        // Training series: steps and images counted exactly (batch 32), loss and rates in range, counters typed as such.
        double steps = V("nnclr_train_steps_total");
        Assert.True(steps >= 20, $"steps {steps}");
        Assert.Equal("counter", Type("nnclr_train_steps_total"));
        Assert.Equal(32 * steps, V("nnclr_train_images_total"));
        Assert.Equal(steps, V("nnclr_train_step"));
        Assert.Equal(100_000, V("nnclr_train_step_end"));
        Assert.InRange(V("nnclr_train_loss"), 0.01, 20);
        Assert.InRange(V("nnclr_train_lr"), 1e-6, 10);
        Assert.InRange(V("nnclr_train_nn_accuracy"), 0, 1);
        Assert.True(V("nnclr_train_throughput_per_second") > 0);
        Assert.InRange(V("nnclr_eval_knn_top1", ("phase", "periodic")), 0.0, 1.0);
        Assert.True(V("nnclr_process_memory_usage_bytes", ("type", "rss")) > 10 << 20);
        // Stage series: every stage present; the train stage worked; the checkpoint stage (no checkpoint before step
        // 1000) is waiting, not busy — the wait in progress counts as waiting.
        foreach (var stage in new[] { "read", "augment", "upload", "train", "checkpoint" })
        {
            Assert.True(V("nnclr_stage_items_total", ("stage", stage)) >= 0, stage);
            Assert.True(V("nnclr_stage_queue_depth", ("stage", stage)) >= 0, stage);
        }
        Assert.Equal("counter", Type("nnclr_stage_busy_time_seconds_total"));
        Assert.True(V("nnclr_stage_items_total", ("stage", "train")) >= steps);
        double trainBusy = V("nnclr_stage_busy_time_seconds_total", ("stage", "train"));
        double checkpointBusy = V("nnclr_stage_busy_time_seconds_total", ("stage", "checkpoint"));
        double checkpointWait = V("nnclr_stage_wait_time_seconds_total", ("stage", "checkpoint"), ("wait", "input"));
        Assert.True(trainBusy > 0);
        Assert.True(checkpointBusy < 0.1 * checkpointWait, $"checkpoint busy {checkpointBusy} s vs waiting {checkpointWait} s");

        // status while running, then after the stop.
        Assert.Equal("training", health.State);
        Assert.True(health.Alive && health.Responsive && health.Healthy);
        Assert.True(health.Status!.Step > 0 && health.Status.TotalSteps == 100_000 && health.Status.EtaSeconds > 0);
        var after = RunHealth.Read(run);
        Assert.Equal("stopped", after.State);
        Assert.False(after.Alive);
        Assert.True(after.Healthy);
        Assert.Equal("periodic", after.Status!.LastKnnPhase);
        Assert.NotNull(after.Status.LastCheckpointStep); // the final checkpoint on SIGTERM
        Assert.Contains("state       stopped", StatusCommand.ToText(after));
        using (var json = JsonDocument.Parse(StatusCommand.ToJson(after)))
            Assert.Equal("stopped", json.RootElement.GetProperty("state").GetString());

        // The evaluations are in metrics.jsonl and TensorBoard; summary.json says what ran where.
        var evals = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Where(l => l.Contains("\"event\":\"eval\"", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(evals);
        using (var e = JsonDocument.Parse(evals[0]))
        {
            Assert.Equal("periodic", e.RootElement.GetProperty("phase").GetString());
            Assert.InRange(e.RootElement.GetProperty("knn_top1").GetDouble(), 0, 100);
        }
        var tb = Directory.GetFiles(Path.Combine(run, "tensorboard"));
        Assert.Contains(tb, f => File.ReadAllText(f).Contains("eval/knn_top1", StringComparison.Ordinal));
        Assert.DoesNotContain(tb, f => File.ReadAllText(f).Contains("stages/checkpoint_images_per_s", StringComparison.Ordinal));
        // The first event's wall time (after the 12-byte record header and the field tag) is Unix seconds of today.
        var first = File.ReadAllBytes(tb[0]);
        double wall = BitConverter.ToDouble(first, 13);
        Assert.InRange(wall, DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))))
        {
            var s = summary.RootElement;
            foreach (var key in new[] { "started_at", "finished_at", "version", "libtorch", "device", "dataset", "data_dir" })
                Assert.True(s.TryGetProperty(key, out _), key);
        }

        // The report was written when the run ended: charts and one self-contained page.
        var report = Path.Combine(run, "report");
        foreach (var png in new[] { "loss.png", "lr.png", "nn_acc.png", "knn.png", "images_per_s.png", "stage_busy.png", "bottleneck.png", "memory.png", "online_top1.png" })
            Assert.True(new FileInfo(Path.Combine(report, png)).Length > 1000, png);
        var html = File.ReadAllText(Path.Combine(report, "report.html"));
        // The demo is labelled: the online linear probe's chart is the ninth.
        Assert.Equal(9, Regex.Count(html, "src=\"data:image/png;base64,"));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Status_ProcessKilled_SaysDeadAndExits1()
    {
        var run = demo.NewRunDir("killed");
        using var p = new NnclrProcess(demo.Root, demo.TrainArgs(run, 100_000, 1000));
        await p.WaitUntilAsync(() => File.Exists(Path.Combine(run, "status.json")) && RunHealth.Read(run).Status!.Step > 0, Limit, "a heartbeat with a step");
        Assert.Equal("training", RunHealth.Read(run).State);
        p.Kill(); // SIGKILL: no chance to write "stopped"

        var h = RunHealth.Read(run);
        Assert.Equal("dead", h.State);
        Assert.False(h.Healthy);
        using var status = new NnclrProcess(demo.Root, "status", run, "--health");
        Assert.Equal(1, await status.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("unhealthy: dead", status.Output);
    }

    [Fact]
    public async Task Status_NoRunThere_Exit2NamingTheDirectory()
    {
        var empty = demo.NewRunDir("empty");
        Directory.CreateDirectory(empty);
        using var status = new NnclrProcess(demo.Root, "status", empty);
        Assert.Equal(2, await status.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(empty, status.Output);
    }

    // One sample of the Prometheus text format: metric name, labels, value, and the family's # TYPE.
    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value, string Type);

    // "name{k="v",…} value" lines; "# TYPE family kind" gives each family's type (a counter's samples end in _total).
    private static List<Sample> Parse(string text)
    {
        var result = new List<Sample>();
        var types = new Dictionary<string, string>();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal) && line.Split(' ') is [_, _, var family, var kind]) types[family] = kind;
            if (line.Length == 0 || line[0] == '#') continue;
            int space = line.LastIndexOf(' ');
            if (space <= 0 || !double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) continue;
            var key = line[..space];
            int brace = key.IndexOf('{');
            var name = brace < 0 ? key : key[..brace];
            var labels = new Dictionary<string, string>();
            if (brace >= 0)
                foreach (Match m in LabelPattern().Matches(key[brace..])) labels[m.Groups[1].Value] = m.Groups[2].Value;
            result.Add(new Sample(name, labels, v, types.GetValueOrDefault(name) ?? types.GetValueOrDefault(name.EndsWith("_total", StringComparison.Ordinal) ? name[..^6] : name) ?? "untyped"));
        }
        return result;
    }

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex LabelPattern();

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
