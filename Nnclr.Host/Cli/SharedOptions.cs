using Nnclr.Host.Configuration;

namespace Nnclr.Host.Cli;

/// <summary>Option sets several commands share (the bench commands' configuration flags, the eval commands' network source).</summary>
public static class SharedOptions
{
    /// <summary>--set Section:Key=value, repeatable; also "A=1;B=2" in one value.</summary>
    public static CliOption Set { get; } = new("set", CliValueKind.String,
        "Override any setting, e.g. --set Optim:WarmupEpochs=5 (or 'A:B=1;C:D=2')", ValueName: "Section:Key=value", Repeatable: true);

    /// <summary>--device.</summary>
    public static CliOption Device { get; } = CliOption.Text("device", "auto|cpu|cuda[:N]", "Device to run on", "auto");

    /// <summary>--json.</summary>
    public static CliOption Json { get; } = CliOption.Switch("json", "Print the result as JSON");

    /// <summary>What BenchConfig.Resolve reads.</summary>
    public static IReadOnlyList<CliOption> Bench { get; } =
    [
        CliOption.Text("preset", "NAME", $"Configuration preset ({string.Join(", ", Presets.Names)})", "cifar10-resnet18 with CUDA, cpu-smoke without", alias: "-p"),
        CliOption.Int("batch-size", "Images per step", "the preset's"),
        CliOption.Text("precision", "fp32|bf16", "Model precision", "the preset's"),
        CliOption.Text("channels-last", "true|false", "Channels-last memory format", "the preset's"),
        CliOption.Text("data", "DIR", "Dataset shard directory", "the preset's dataset location"),
        CliOption.Int("augment-threads", "Decode + augmentation threads", "one per core minus one"),
        Device, Set,
    ];

    /// <summary>What EvalSupport reads.</summary>
    public static IReadOnlyList<CliOption> Eval { get; } =
    [
        CliOption.Text("checkpoint", "FILE|RUN_DIR", "Checkpoint to evaluate (a file, a run or checkpoints folder: its newest valid one)"),
        CliOption.Switch("random-init", "Evaluate the preset's network at random initialisation instead (needs --preset)"),
        CliOption.Text("preset", "NAME", "Preset for --random-init", alias: "-p"),
        CliOption.Long("seed", "Initialisation seed for --random-init", "the preset's"),
        CliOption.Text("data", "DIR", "Dataset shard directory", "the configuration's"),
        Device, Json,
    ];
}
