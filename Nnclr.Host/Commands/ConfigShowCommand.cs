using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;

namespace Nnclr.Host.Commands;

/// <summary>
/// `nnclr config show`: the fully resolved configuration (preset, file, NNCLR_* variables and flags layered, validated,
/// every value concrete) as config.resolved.json holds it; `nnclr train --config FILE` with it gives the same run.
/// </summary>
public sealed class ConfigShowCommand : ICliCommand
{
    public string Name => "config show";
    public string Summary => "print the resolved configuration (a file to edit and pass back with --config)";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        .. TrainFlags.ConfigOptions,
        CliOption.Text("format", "json|yaml", "Output format (both are read back by --config: .json, .yaml/.yml)", "json"),
    ];
    public string Usage =>
        "Prints the JSON that `train` writes as config.resolved.json (device, threads and paths concrete).\n" +
        "Save it, edit it, run it: nnclr config show -p demo > my.json && nnclr train --config my.json";

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        var flags = TrainFlags.Parse(args);
        var format = args.String("format") ?? "json";
        if (format is not ("json" or "yaml")) throw new CliException($"--format must be 'json' or 'yaml', got '{format}'");
        args.EnsureAllUsed();
        var json = NnclrConfiguration.Resolve(flags).ToResolvedJson();
        Console.Out.Write(format == "yaml" ? ConfigYaml.FromJson(json) : json);
        return Task.FromResult(0);
    }
}
