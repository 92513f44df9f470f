using System.Globalization;
using Nnclr.Host.Cli;

namespace Nnclr.Host.Configuration;

/// <summary>
/// The `nnclr train` flags: the command-line contract plus a few common overrides. Each flag maps to one
/// configuration key and wins over the file and the environment.
/// </summary>
public sealed record TrainFlags
{
    /// <summary>Usage lines for the flags read here.</summary>
    public const string Usage =
        "usage: nnclr train --preset NAME [--config FILE] [--data DIR] [--run-dir DIR] [--max-steps N]\n" +
        "                   [--deterministic] [--resume] [--epochs N] [--batch-size N] [--lr X] [--seed N]\n" +
        "                   [--init-from CHECKPOINT|RUN_DIR|F.safetensors|F.pth]\n" +
        "                   [--device auto|cpu|cuda[:N]] [--log-format auto|json|text] [--log-every N]\n" +
        "                   [--set Section:Key=value[;Section:Key=value...]]\n" +
        "  presets: cifar10-resnet18, cpu-smoke, demo\n" +
        "  configuration precedence: preset < --config FILE < NNCLR_Section__Key variables < flags";

    public required string Preset { get; init; }
    public string? ConfigFile { get; init; }

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
        if (args.String("set") is { } set) ParseSet(set, o);
        return new TrainFlags { Preset = args.Required("preset"), ConfigFile = args.String("config"), Overrides = o };
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
