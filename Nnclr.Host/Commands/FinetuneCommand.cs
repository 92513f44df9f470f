using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Data;
using Nnclr.Host.Hosting;
using Nnclr.Model;
using Nnclr.Pipeline.Finetune;
using Nnclr.Pipeline.Metrics;
using Nnclr.Pipeline.Session;

namespace Nnclr.Host.Commands;

/// <summary>
/// `nnclr finetune`: what the encoder is worth with few labels (SimCLR's semi-supervised protocol). Fine-tunes the
/// backbone of a checkpoint, run directory or weights file with a new linear head on a class-balanced seeded subset of
/// the labelled train split (or an explicit list), then — unless --no-baseline — the same architecture from random
/// initialisation on the same subset with the same recipe, and reports both on the test split with the gain.
/// </summary>
public sealed class FinetuneCommand : ICliCommand
{
    public string Name => "finetune";
    public string Summary => "fine-tune a checkpoint's backbone + a linear head on 1 %/10 % of the labels; top-1/top-5 vs random init";
    public string Usage => "Output (--out): labels-subset.txt, checkpoints/, metrics.jsonl, tensorboard/, status.json, finetuned.safetensors " +
        "(backbone + fc.weight/fc.bias, torchvision names), summary.json; the random-init baseline in <out>/random-init/.";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        CliOption.Text("checkpoint", "FILE|RUN_DIR|WEIGHTS", "Pre-trained network: a checkpoint, checkpoints folder or run directory (newest valid), or a safetensors/.pth file with torchvision names"),
        CliOption.Switch("random-init", "Fine-tune the preset's network from random initialisation only (the baseline; needs --preset)"),
        CliOption.Text("preset", "NAME", "Preset for --random-init, or the settings for a weights file", "cpu-smoke for a weights file", alias: "-p"),
        CliOption.Text("data", "DIR", "Dataset with labelled train and test splits", "the checkpoint's dataset"),
        CliOption.Double("labels-fraction", "Fraction of each class's train labels used", "0.01", "F"),
        CliOption.Text("labels-list", "FILE", "Record indices of the train split to use, one per line (instead of --labels-fraction)"),
        CliOption.Long("subset-seed", "Seed of the class-balanced draw", "0"),
        CliOption.Int("epochs", "Passes over the labelled subset", "60 for <= 5 % of the labels, else 30, raised to at least 500 steps"),
        CliOption.Int("batch-size", "Images per step", "a power of two near a quarter of the subset, 8..256"),
        CliOption.Double("lr", "Base learning rate per 256 images (peak = lr x batch / 256)", "0.05 (SimCLR)"),
        CliOption.Long("seed", "Seed of the head's initialisation, the data order and the augmentation", "the checkpoint's Run:Seed"),
        CliOption.Text("out", "DIR", "Output directory", "<run dir>/finetune-<percent> (checkpoint), runs/finetune-<preset>-<percent> (otherwise)"),
        CliOption.Switch("no-baseline", "Skip the random-init baseline"),
        CliOption.Switch("resume", "Continue an interrupted fine-tune (and baseline) in --out from its newest valid checkpoint"),
        CliOption.Switch("deterministic", "Fixed algorithms: same seed and machine, same bits"),
        CliOption.Int("log-every", "Steps per log interval", "10"),
        CliOption.Int("checkpoint-every", "Steps between checkpoints", "100"),
        SharedOptions.Device, SharedOptions.Json,
    ];

    public async Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        var checkpoint = args.String("checkpoint");
        bool randomInit = args.Flag("random-init"), json = args.Flag("json"), noBaseline = args.Flag("no-baseline");
        if ((checkpoint is null) == !randomInit) throw new CliException("give either --checkpoint FILE|RUN_DIR|WEIGHTS or --random-init (with --preset NAME)");
        var preset = args.String("preset");
        var list = args.String("labels-list");
        double fraction = args.Double("labels-fraction") ?? 0.01;
        if (list is not null && args.Has("labels-fraction")) throw new CliException("give --labels-fraction or --labels-list, not both");
        if (!(fraction > 0 && fraction <= 1)) throw new CliException($"--labels-fraction must be in (0, 1], got {fraction.ToString(CultureInfo.InvariantCulture)}");
        long subsetSeed = args.Long("subset-seed") ?? 0;
        int? epochs = args.Int("epochs"), batch = args.Int("batch-size");
        double? lr = args.Double("lr");
        long? seed = args.Long("seed");
        int logEvery = args.Int("log-every") ?? 10, checkpointEvery = args.Int("checkpoint-every") ?? 100;
        if (logEvery < 1 || checkpointEvery < 1) throw new CliException("--log-every and --checkpoint-every must be >= 1");
        bool resume = args.Flag("resume"), deterministic = args.Flag("deterministic");
        var device = args.String("device");
        var data = args.String("data");
        var outArg = args.String("out");
        args.EnsureAllUsed();

        // The pre-trained network and the settings it was trained with (architecture, view size, dataset, seed).
        ResolvedConfig config;
        TrainerState? state = null;
        WeightsFile? weights = null;
        string source, defaultOut;
        string? pretrainRunDir = null; // the run directory whose summary.json gets the fine-tune rows
        IReadOnlyDictionary<string, string> exportMeta;
        string percent = list is not null ? "list" : (100 * fraction).ToString("0.##", CultureInfo.InvariantCulture) + "pct";
        if (checkpoint is not null)
        {
            var encoder = EncoderSource.Open(checkpoint, w => Console.Error.WriteLine($"nnclr finetune: warning: {w}"));
            if (encoder.Config is { } c)
            {
                config = c;
                state = encoder.State;
                var runDir = Directory.Exists(checkpoint) ? checkpoint : Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(checkpoint)))!;
                defaultOut = Path.Combine(runDir, "finetune-" + percent);
                pretrainRunDir = runDir;
            }
            else
            {
                config = NnclrConfiguration.Resolve(new TrainFlags
                {
                    Preset = preset ?? "cpu-smoke",
                    Overrides = new Dictionary<string, string?>
                    {
                        ["Model:Backbone"] = encoder.Model.Backbone,
                        ["Augment:ViewSize"] = encoder.InputSize.ToString(CultureInfo.InvariantCulture),
                    },
                });
                weights = encoder.Weights;
                defaultOut = Path.Combine("runs", $"finetune-{Path.GetFileNameWithoutExtension(checkpoint)}-{percent}");
            }
            source = encoder.Description;
            exportMeta = encoder.ExportMetadata;
        }
        else
        {
            config = NnclrConfiguration.Resolve(new TrainFlags { Preset = preset ?? throw new CliException("--random-init needs --preset NAME (the network to initialise)") });
            source = $"random init (preset {config.Run.Preset})";
            defaultOut = Path.Combine("runs", $"finetune-{config.Run.Preset}-{percent}");
            exportMeta = new WeightsMetadata(config.Model.Backbone, config.Augment.ViewSize, ConfigMapping.Normalisation().Mean, ConfigMapping.Normalisation().Std, 0).ToDictionary();
        }
        var dataDir = Path.GetFullPath(data ?? DatasetLocator.DirectoryFor(config.Data));
        var outDir = Path.GetFullPath(outArg ?? defaultOut);

        LabelledSubset subset;
        FinetuneRecipe recipe;
        try
        {
            subset = LabelledSubset.Choose(dataDir, fraction, list, subsetSeed);
            recipe = FinetuneRecipe.ForSubset(subset.Count, list is null ? fraction : (double)subset.Count / Math.Max(1, subset.Count), batch, lr, epochs);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or Nnclr.Data.Shards.ShardFormatException or IOException)
        {
            throw new CliException(e.Message);
        }

        var runs = new List<(string Name, string Dir, ResolvedConfig Config, FinetuneJob Job)>();
        var main = Configure(config, outDir, recipe, seed, resume, deterministic, logEvery, checkpointEvery, device);
        runs.Add((randomInit ? "random-init" : "fine-tuned", outDir, main, new FinetuneJob
        {
            DataDir = dataDir, Subset = subset, Recipe = recipe, InitState = state, Weights = weights, Source = source, ExportMetadata = exportMeta,
        }));
        if (!randomInit && !noBaseline)
        {
            var baseDir = Path.Combine(outDir, "random-init");
            runs.Add(("random-init", baseDir, Configure(config, baseDir, recipe, seed, resume, deterministic, logEvery, checkpointEvery, device), new FinetuneJob
            {
                DataDir = dataDir, Subset = subset, Recipe = recipe, Source = $"random init ({config.Model.Backbone}, seed {main.Run.Seed})", ExportMetadata = exportMeta,
            }));
        }

        using var loggers = LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(LogLevel.Information);
            b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; o.ColorBehavior = LoggerColorBehavior.Disabled; });
        });
        var logger = loggers.CreateLogger("nnclr.finetune");
        var results = new Dictionary<string, (string Status, IReadOnlyDictionary<string, double> Final, double Seconds, long Steps)>();
        foreach (var (name, dir, cfg, job) in runs)
        {
            var prepared = Prepare(dir, cfg, job, subset, fraction, list, subsetSeed, resume);
            var rd = new RunDirectory(dir).Create();
            AtomicFile.WriteAllText(rd.ResolvedConfig, prepared);
            var session = new TrainingSession(c => new FinetunePorts(c, job, prepared, logger), logger, Console.IsErrorRedirected ? null : Console.Error, rd.Metrics, rd.TensorBoard);
            var started = DateTimeOffset.UtcNow;
            var outcome = await session.RunAsync(cfg, ct);
            double seconds = (DateTimeOffset.UtcNow - started).TotalSeconds;
            var final = outcome.Final ?? new Dictionary<string, double>();
            results[name] = (outcome.Status, final, seconds, outcome.Result?.Steps ?? 0);
            WriteSummary(rd.Summary, name, job, cfg, outcome.Status, outcome.Error, final, seconds, outcome.Result?.Steps ?? 0, outcome.Device);
            if (outcome.Failed)
            {
                Console.Error.WriteLine($"nnclr finetune: {name}: {outcome.Error}");
                return ExitCodes.RunFailed;
            }
            if (outcome.Status == "stopped")
            {
                Console.Error.WriteLine($"nnclr finetune: stopped; checkpoints in {Path.Combine(dir, "checkpoints")} (continue with --resume)");
                return ExitCodes.Ok;
            }
        }

        // The table: fine-tuned and random-init rows, the gain.
        var table = new JsonObject
        {
            ["source"] = source, ["data"] = dataDir, ["labelled_images"] = subset.Count, ["subset"] = subset.Origin,
            ["batch_size"] = recipe.BatchSize, ["epochs"] = recipe.Epochs, ["lr"] = LrSchedule.ScaledPeak(recipe.BaseLearningRate, recipe.BatchSize),
        };
        foreach (var (name, r) in results)
        {
            table[name.Replace('-', '_') + "_top1"] = r.Final.GetValueOrDefault("finetune_top1");
            table[name.Replace('-', '_') + "_top5"] = r.Final.GetValueOrDefault("finetune_top5");
            table[name.Replace('-', '_') + "_seconds"] = Math.Round(r.Seconds, 1);
        }
        if (results.TryGetValue("fine-tuned", out var ft) && results.TryGetValue("random-init", out var ri))
            table["gain_points"] = Math.Round(ft.Final.GetValueOrDefault("finetune_top1") - ri.Final.GetValueOrDefault("finetune_top1"), 2);
        // The rows of the run's one evaluation table (summary.json "evaluation", the report), beside its kNN rows.
        string labelsText = list is not null ? $"list ({subset.Count} images)"
            : $"{(100 * fraction).ToString("0.##", CultureInfo.InvariantCulture)} % ({subset.Count} images)";
        var rows = results.Select(r => new Report.EvaluationTable.Row("finetune", labelsText, r.Key == "fine-tuned" ? "trained" : "random init",
            r.Value.Final.GetValueOrDefault("finetune_top1"), r.Value.Final.GetValueOrDefault("finetune_top5"))).ToList();
        table["evaluation"] = JsonNode.Parse(JsonSerializer.Serialize(new { unit = Report.EvaluationTable.Unit, rows = rows.Select(r => new { protocol = r.Protocol, labels = r.Labels, network = r.Network, top1 = r.Top1, top5 = r.Top5 }) }));
        if (pretrainRunDir is not null && !randomInit && Report.EvaluationTable.AddTo(Path.Combine(pretrainRunDir, "summary.json"), rows))
            Console.Error.WriteLine($"nnclr finetune: added the fine-tune rows to {Path.Combine(pretrainRunDir, "summary.json")}");
        if (runs.Count > 1) AtomicFile.WriteAllText(Path.Combine(outDir, "finetune.json"), table.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (json) Console.WriteLine(table.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        else
        {
            Console.WriteLine($"fine-tune on {subset.Count} labelled images ({subset.Origin}) of {dataDir}, test split:");
            foreach (var (name, r) in results)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-12} top-1 {r.Final.GetValueOrDefault("finetune_top1"),6:F2} %  top-5 {r.Final.GetValueOrDefault("finetune_top5"),6:F2} %  ({r.Steps} steps, {r.Seconds:F1} s)"));
            if (table["gain_points"] is { } gain) Console.WriteLine($"  gain: {gain} top-1 points over random init");
            Console.WriteLine($"  weights (backbone + fc): {Path.Combine(outDir, FinetuneJob.ExportFile)}");
        }
        return ExitCodes.Ok;
    }

    // A fresh copy of the pre-training configuration with the fine-tune's optimiser, run directory and cadence.
    private static ResolvedConfig Configure(ResolvedConfig pretrain, string outDir, FinetuneRecipe recipe, long? seed, bool resume, bool deterministic,
        int logEvery, int checkpointEvery, string? device)
    {
        var c = NnclrConfiguration.FromJson(pretrain.ToJson(), "the pre-training configuration");
        c.Optim.Optimizer = "sgd";
        c.Optim.Momentum = recipe.Momentum;
        c.Optim.WeightDecay = 0;
        c.Optim.WarmupEpochs = 0;
        c.Optim.LearningRate = recipe.BaseLearningRate;
        c.Optim.BatchSize = recipe.BatchSize;
        c.Optim.Epochs = recipe.Epochs;
        c.Augment.Policy = "crops-only";
        c.Augment.Solarize = false;
        c.Run.RunDir = outDir;
        c.Run.MaxSteps = 0;
        c.Run.Resume = resume;
        c.Run.InitFrom = "";
        c.Run.LogEvery = logEvery;
        c.Run.Deterministic |= deterministic;
        if (seed is { } s) c.Run.Seed = s;
        c.Checkpoint.EverySteps = checkpointEvery;
        c.Eval.KnnEveryEpochs = 0;
        if (device is not null) c.Pipeline.Device = device;
        return c;
    }

    // The configuration JSON stored in checkpoints (the sections plus "Finetune"), after checking that a --resume uses
    // the same labelled images; writes the subset file.
    private static string Prepare(string dir, ResolvedConfig cfg, FinetuneJob job, LabelledSubset subset, double fraction, string? list, long subsetSeed, bool resume)
    {
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, FinetuneJob.SubsetFile);
        if (resume && File.Exists(file))
        {
            var stored = File.ReadLines(file).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
            if (!stored.SequenceEqual(subset.Records.Select(r => r.ToString(CultureInfo.InvariantCulture))))
                throw new CliException($"--resume refused: {file} lists other labelled images than this command chooses (another --labels-fraction, --labels-list or --subset-seed?)");
        }
        subset.Write(file);
        var root = JsonNode.Parse(cfg.ToJson())!.AsObject();
        root["Finetune"] = new JsonObject
        {
            ["Source"] = job.Source, ["LabelsFraction"] = list is null ? fraction : null, ["LabelsList"] = list is null ? null : Path.GetFullPath(list),
            ["SubsetSeed"] = subsetSeed, ["LabelledImages"] = subset.Count, ["Nesterov"] = true,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static void WriteSummary(string path, string name, FinetuneJob job, ResolvedConfig cfg, string status, string? error,
        IReadOnlyDictionary<string, double> final, double seconds, long steps, string? device)
    {
        var o = new JsonObject
        {
            ["kind"] = "finetune", ["run"] = name, ["status"] = status, ["source"] = job.Source, ["labelled_images"] = job.Subset.Count,
            ["subset"] = job.Subset.Origin, ["batch_size"] = job.Recipe.BatchSize, ["epochs"] = job.Recipe.Epochs,
            ["lr"] = LrSchedule.ScaledPeak(job.Recipe.BaseLearningRate, job.Recipe.BatchSize), ["seed"] = cfg.Run.Seed,
            ["steps"] = steps, ["elapsed_s"] = Math.Round(seconds, 2), ["device"] = device,
        };
        if (error is not null) o["error"] = error;
        var eval = new JsonObject();
        foreach (var (k, v) in final) eval[k] = v;
        o["final_eval"] = eval;
        AtomicFile.WriteAllText(path, o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
