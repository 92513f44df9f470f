using System.Text.Json;
using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Pipeline.Session;
using Nnclr.Pipeline;
using Nnclr.Pipeline.Metrics;

namespace Nnclr.Host.Commands;

/// <summary>
/// `nnclr bench pipeline`: the whole staged pipeline on real shards with full two-view augmentation, real (or
/// stand-in) step; prints images/s, the per-stage table and the bottleneck, and, with the real step, the
/// synthetic step's images/s at the same batch in the same invocation and the ratio (1.0 = never starved).
/// </summary>
public sealed class BenchPipelineCommand : ICliCommand
{
    public string Name => "bench pipeline";
    public string Summary => "end-to-end pipeline throughput on real shards, per-stage table, bottleneck, ratio to the synthetic step";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        .. SharedOptions.Bench,
        CliOption.Int("steps", "Steps (the first fifth is warm-up; at least 10)", "60"),
        CliOption.Text("step", "real|stand-in", "The real training step, or a stand-in that only consumes the batches", "real"),
        SharedOptions.Json,
    ];


    public async Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        bool json = args.Flag("json");
        int steps = args.Int("steps") ?? 60;
        var stepKind = args.String("step") ?? "real";
        if (stepKind is not ("real" or "stand-in")) throw new CliException($"--step must be 'real' or 'stand-in', got '{stepKind}'");
        if (steps < 10) throw new CliException("--steps must be >= 10 (the first fifth is warm-up)");
        var runDir = Path.Combine(Path.GetTempPath(), "nnclr-bench-" + Guid.NewGuid().ToString("N"));
        var cfg = BenchConfig.Resolve(args, out var device, new Dictionary<string, string?>
        {
            ["Run:RunDir"] = runDir, ["Checkpoint:EverySteps"] = "10000000", ["Eval:Baseline"] = "false", ["Eval:KnnEveryEpochs"] = "0",
        });
        args.EnsureAllUsed();
        try
        {
            var r = await PipelineBenchmark.RunAsync(cfg, device, steps, realStep: stepKind == "real", ct);
            Report(json, cfg.Run.Preset, cfg.Model.Backbone, device, stepKind, r.Settings, steps, r.ImagesPerSecond, r.SyntheticImagesPerSecond, r.Report);
            return 0;
        }
        finally
        {
            if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
        }
    }

    private static void Report(bool json, string preset, string backbone, string device, string stepKind, PipelineSettings s,
        int steps, double ips, double? synthetic, StageReport report)
    {
        double? ratio = synthetic is > 0 ? ips / synthetic : null;
        if (json)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("bench", "pipeline");
                w.WriteString("preset", preset);
                w.WriteString("backbone", backbone);
                w.WriteString("device", device);
                w.WriteString("step", stepKind);
                w.WriteNumber("batch", s.Geometry.BatchSize);
                w.WriteNumber("view_size", s.Geometry.ViewSize);
                w.WriteNumber("augment_threads", s.AugmentThreads);
                w.WriteNumber("steps", steps);
                w.WriteNumber("images_per_s", Math.Round(ips, 1));
                if (synthetic is { } syn) w.WriteNumber("synthetic_step_images_per_s", Math.Round(syn, 1));
                if (ratio is { } r) w.WriteNumber("ratio_to_synthetic", Math.Round(r, 3));
                w.WritePropertyName("stages");
                report.WriteJson(w);
                w.WriteEndObject();
            }
            Console.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
            return;
        }
        Console.WriteLine($"pipeline: {backbone} batch {s.Geometry.BatchSize} on {device}, {s.AugmentThreads} augment threads, {stepKind} step: {ips:F0} images/s");
        if (synthetic is { } sy) Console.WriteLine($"synthetic step (same model and batch, data already on the device): {sy:F0} images/s; ratio {ratio:F3}");
        Console.WriteLine(report.ToTable());
    }
}
