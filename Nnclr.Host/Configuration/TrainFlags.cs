using System.Globalization;
using Nnclr.Host.Cli;

namespace Nnclr.Host.Configuration;

/// <summary>
/// The `nnclr train` flags: the command-line contract plus a few common overrides. Each flag maps to one
/// configuration key and wins over the file and the environment.
/// </summary>
public sealed record TrainFlags
{
    /// <summary>Help text after the options.</summary>
    public const string Usage =
        "Presets: " + "cifar10-resnet18, stl10-resnet18, imagenet100-resnet18, cpu-smoke, demo.\n" +
        "Configuration precedence: preset < --config FILE (.json, .yaml, .yml) < NNCLR_Section__Key variables < flags.\n" +
        "A run directory holding another run's files is refused unless --resume (same configuration) or --force.";

    /// <summary>The flags `nnclr train` (and `nnclr config show`, without the run ones) accept.</summary>
    public static IReadOnlyList<CliOption> ConfigOptions { get; } =
    [
        CliOption.Text("preset", "NAME", "Configuration preset (required): " + string.Join(", ", Presets.Names), alias: "-p"),
        CliOption.Text("config", "FILE", "Configuration file (.json, .yaml or .yml) over the preset", alias: "-c"),
        SharedOptions.Set,
        CliOption.Text("data", "DIR", "Data:Dir, the dataset shard directory", "data/<dataset>"),
        CliOption.Text("run-dir", "DIR", "Run:RunDir, where checkpoints, metrics and summary go", "runs/<preset>"),
        CliOption.Long("max-steps", "Run:MaxSteps, stop after N steps (0 = Optim:Epochs epochs)", "0"),
        CliOption.Int("epochs", "Optim:Epochs", "the preset's"),
        CliOption.Int("batch-size", "Optim:BatchSize", "the preset's"),
        CliOption.Double("lr", "Optim:LearningRate", "the preset's"),
        CliOption.Long("seed", "Run:Seed", "42"),
        CliOption.Text("init-from", "FILE|RUN_DIR", "Run:InitFrom: start from these backbone weights (checkpoint, run directory, .safetensors or .pth with torchvision key names)"),
        CliOption.Switch("deterministic", "Run:Deterministic: fixed algorithms, same seed and machine give the same bits"),
        SharedOptions.Device,
        CliOption.Text("log-format", "auto|json|text", "Run:LogFormat (auto: JSON when stdout is not a terminal)", "auto"),
        CliOption.Int("log-every", "Run:LogEvery, steps per log line", "the preset's"),
    ];

    /// <summary>The flags `nnclr train` accepts.</summary>
    public static IReadOnlyList<CliOption> Options { get; } =
    [
        .. ConfigOptions,
        CliOption.Switch("resume", "Run:Resume: continue from the run directory's latest checkpoint (its configuration must match)"),
        CliOption.Switch("force", "Start afresh in a run directory holding another run: its files are moved to previous-<utc>/"),
        new("allow-config-change", CliValueKind.String, "With --resume: a setting allowed to differ from the stored run, e.g. Optim:Epochs",
            ValueName: "Section:Key", Repeatable: true),
        CliOption.Switch("dry-run", "Validate and print the resolved configuration (as config.resolved.json would hold it); do not train"),
    ];

    public required string Preset { get; init; }
    public string? ConfigFile { get; init; }

    /// <summary>--dry-run: print the resolved configuration, do not train.</summary>
    public bool DryRun { get; init; }

    /// <summary>--force: move another run's files aside instead of refusing the run directory.</summary>
    public bool Force { get; init; }

    /// <summary>--allow-config-change keys: settings a --resume may change.</summary>
    public IReadOnlyList<string> AllowConfigChange { get; init; } = [];

    /// <summary>Flag values as configuration keys ("Run:MaxSteps" → "100").</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();

    /// <summary>Reads the flags (the caller calls <see cref="CliArgs.EnsureAllUsed"/> after its own).</summary>
    public static TrainFlags Parse(CliArgs args)
    {
        var o = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        void Put(string key, string? value) { if (value is not null) o[key] = value; }
        string Num<T>(T? v) where T : struct, IFormattable => v!.Value.ToString(null, CultureInfo.InvariantCulture);
        Put("Data:Dir", args.String("data"));
        Put("Run:RunDir", args.String("run-dir"));
        Put("Run:InitFrom", args.String("init-from"));
        if (args.Long("max-steps") is { } steps) Put("Run:MaxSteps", Num<long>(steps));
        if (args.Flag("deterministic")) Put("Run:Deterministic", "true");
        if (args.Flag("resume")) Put("Run:Resume", "true");
        if (args.Int("epochs") is { } epochs) Put("Optim:Epochs", Num<int>(epochs));
        if (args.Int("batch-size") is { } batch) Put("Optim:BatchSize", Num<int>(batch));
        if (args.Double("lr") is { } lr) Put("Optim:LearningRate", Num<double>(lr));
        if (args.Long("seed") is { } seed) Put("Run:Seed", Num<long>(seed));
        if (args.Int("log-every") is { } every) Put("Run:LogEvery", Num<int>(every));
        Put("Pipeline:Device", args.String("device"));
        Put("Run:LogFormat", args.String("log-format"));
        foreach (var set in args.Strings("set")) ParseSet(set, o);
        var config = args.String("config");
        // With a full configuration file (as `config show` writes) the preset may be left out: the file's Run:Preset.
        var preset = args.String("preset") ?? (config is null ? null : NnclrConfiguration.PresetOf(config))
            ?? throw new CliException(config is null ? "missing required option --preset" : $"missing --preset (the file '{config}' sets no Run:Preset)");
        return new TrainFlags { Preset = preset, ConfigFile = config, Overrides = o };
    }

    /// <summary>As <see cref="Parse"/>, plus the run flags of `nnclr train` (--resume is a setting, read there).</summary>
    public static TrainFlags ParseTrain(CliArgs args)
    {
        var flags = Parse(args);
        return flags with
        {
            DryRun = args.Flag("dry-run"), Force = args.Flag("force"),
            AllowConfigChange = args.Strings("allow-config-change"),
        };
    }

    /// <summary>Adds the pairs of a `--set "Section:Key=value;Section:Key=value"` option to <paramref name="into"/>.</summary>
    public static void ParseSet(string set, IDictionary<string, string?> into)
    {
        foreach (var pair in set.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0 || !pair[..eq].Contains(':'))
                throw new CliException($"--set: '{pair}' is not Section:Key=value");
            into[pair[..eq]] = pair[(eq + 1)..];
        }
    }
}
