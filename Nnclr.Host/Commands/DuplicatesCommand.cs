using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Nnclr.Data;
using Nnclr.Host.Cli;
using Nnclr.Model;
using Nnclr.Model.Runtime;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr duplicates`: groups of near-duplicate images (cosine ≥ T, connected components), as JSON or CSV.</summary>
public sealed class DuplicatesCommand : ICliCommand
{
    public string Name => "duplicates";
    public string Summary => "groups of near-duplicate images (cosine similarity >= threshold) in an embeddings file";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        CliOption.Text("embeddings", "F.npy|F.safetensors|F.parquet", "Written by `nnclr embed` (required)"),
        CliOption.Double("threshold", "Cosine similarity in (-1, 1]: pairs at or above it are linked; groups are the connected components (required)", valueName: "T"),
        CliOption.Text("out", "F.json|F.csv", "F.json ({threshold, count: groups, images: in groups, embeddings: searched, groups: [[{index, path}, …], …]}) or F.csv (group,index,path); without it the groups go to stdout"),
        SharedOptions.Device,
    ];
    public string Usage => "Exact: every pair once, as [1024, N] matrix products on the device: about N²·D multiply-adds (10⁵ 512-d vectors: 5·10¹², tens of seconds on two CPU cores).";

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        var embeddings = args.Required("embeddings");
        double threshold = args.Double("threshold") ?? throw new CliException("missing required option --threshold");
        var output = args.String("out");
        var deviceSetting = args.String("device") ?? "auto";
        args.EnsureAllUsed();
        if (!(threshold > -1 && threshold <= 1)) throw new CliException($"--threshold must be in (-1, 1], got {threshold}");
        var ext = output is null ? null : Path.GetExtension(output).ToLowerInvariant();
        if (ext is not (null or ".json" or ".csv")) throw new CliException($"--out {output}: the name must end in .json or .csv");

        TorchRuntime.EnsureLoaded();
        var set = NeighborsCommand.Read(embeddings);
        var device = TorchRuntime.ResolveDevice(deviceSetting);
        var watch = Stopwatch.StartNew();
        using var search = new CosineSearch(set, device);
        List<int[]> groups;
        try { groups = search.Duplicates((float)threshold, cancel: ct); }
        catch (InvalidOperationException e) { throw new CliException($"--threshold: {e.Message}"); }
        Console.Error.WriteLine($"nnclr duplicates: {set.Count} embeddings of {set.Dim}, {groups.Count} groups ({groups.Sum(g => g.Length)} images) " +
                                $"at cosine >= {threshold.ToString(CultureInfo.InvariantCulture)} in {watch.Elapsed.TotalSeconds:F2} s");
        string text = ext == ".csv" ? Csv(set, groups) : Json(set, groups, threshold);
        if (output is null) Console.Write(text);
        else
        {
            AtomicFile.WriteAllText(output, text);
            Console.WriteLine($"wrote {output}: {groups.Count} groups");
        }
        return Task.FromResult(0);
    }

    /// <summary>{threshold, count (groups), images (in the groups), embeddings (searched), groups}.</summary>
    internal static string Json(EmbeddingSet set, List<int[]> groups, double threshold) =>
        JsonSerializer.Serialize(new
        {
            threshold, count = groups.Count, images = groups.Sum(g => g.Length), embeddings = set.Count,
            groups = groups.Select(g => g.Select(i => new { index = i, path = set.Paths[i] })),
        }, new JsonSerializerOptions { WriteIndented = true }) + "\n";

    private static string Csv(EmbeddingSet set, List<int[]> groups)
    {
        var sb = new StringBuilder("group,index,path\n");
        for (int g = 0; g < groups.Count; g++)
            foreach (var i in groups[g])
                sb.Append(CultureInfo.InvariantCulture, $"{g},{i},\"{set.Paths[i].Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n");
        return sb.ToString();
    }
}
