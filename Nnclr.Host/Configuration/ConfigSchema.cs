using System.Reflection;
using Microsoft.Extensions.Configuration;
using Nnclr.Host.Cli;
using Nnclr.Model;

namespace Nnclr.Host.Configuration;

/// <summary>
/// The sections and keys a configuration may hold (one options class per section). Anything else, from any layer,
/// is a mistake reported as one line naming the key, where it came from and the closest known key.
/// </summary>
public static class ConfigSchema
{
    /// <summary>
    /// Section name → its options class, in the order config.resolved.json writes them; then Telemetry (export of the
    /// run's metrics: how the run is watched, not what it computes, so it is validated here and at host start-up but is
    /// not part of config.resolved.json).
    /// </summary>
    public static IReadOnlyList<(string Section, Type Type)> Sections { get; } =
    [
        (DataOptions.Section, typeof(DataOptions)), (AugmentOptions.Section, typeof(AugmentOptions)),
        (ModelOptions.Section, typeof(ModelOptions)), (OptimOptions.Section, typeof(OptimOptions)),
        (NnclrOptions.Section, typeof(NnclrOptions)), (PipelineOptions.Section, typeof(PipelineOptions)),
        (CheckpointOptions.Section, typeof(CheckpointOptions)), (EvalOptions.Section, typeof(EvalOptions)),
        (RunOptions.Section, typeof(RunOptions)), (TelemetryOptions.Section, typeof(TelemetryOptions)),
    ];

    /// <summary>Every known key, "Section:Key", as spelled by the options classes.</summary>
    public static IReadOnlyList<string> Keys { get; } = Sections
        .SelectMany(s => s.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetSetMethod() is not null)
            .Select(p => $"{s.Section}:{p.Name}"))
        .ToList();

    /// <summary>One line per key of <paramref name="configuration"/> that no options class has (empty when all are known).</summary>
    public static IReadOnlyList<string> UnknownKeys(IConfigurationRoot configuration)
    {
        var problems = new List<string>();
        foreach (var section in configuration.GetChildren())
        {
            var known = Sections.FirstOrDefault(s => string.Equals(s.Section, section.Key, StringComparison.OrdinalIgnoreCase));
            if (known.Type is null)
            {
                foreach (var leaf in Leaves(section))
                    problems.Add($"unknown section '{section.Key}' in {leaf} (from {ConfigOrigin.Of(configuration, leaf)}){Hint(section.Key, Sections.Select(s => s.Section), leaf[section.Key.Length..])} (sections: {string.Join(", ", Sections.Select(s => s.Section))})");
                continue;
            }
            foreach (var leaf in Leaves(section))
            {
                if (Keys.Contains(leaf, StringComparer.OrdinalIgnoreCase)) continue;
                var sectionKeys = Keys.Where(k => k.StartsWith(known.Section + ":", StringComparison.Ordinal));
                problems.Add($"unknown setting '{leaf}' (from {ConfigOrigin.Of(configuration, leaf)}){Hint(leaf, sectionKeys, "")}");
            }
        }
        return problems;
    }

    /// <summary>
    /// NNCLR_ variables without "__" that start with a section name (NNCLR_Optim_BatchSize): almost surely a setting
    /// meant as NNCLR_Optim__BatchSize, which would otherwise be ignored. Other NNCLR_ variables (NNCLR_DEBUG, the
    /// launcher's) are not settings.
    /// </summary>
    public static IEnumerable<string> EnvironmentMistakes(System.Collections.IDictionary environment)
    {
        foreach (System.Collections.DictionaryEntry e in environment)
        {
            var name = (string)e.Key;
            if (!name.StartsWith(NnclrConfiguration.EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) || name.Contains("__", StringComparison.Ordinal)) continue;
            var rest = name[NnclrConfiguration.EnvironmentPrefix.Length..];
            int us = rest.IndexOf('_');
            if (us <= 0) continue;
            var section = Sections.FirstOrDefault(s => string.Equals(s.Section, rest[..us], StringComparison.OrdinalIgnoreCase)).Section;
            if (section is null) continue;
            yield return $"environment variable {name} is not a setting: a setting is NNCLR_Section__Key (two underscores), e.g. {NnclrConfiguration.EnvironmentPrefix}{section}__{rest[(us + 1)..]}";
        }
    }

    /// <summary>The closest known key or section to <paramref name="name"/>, or null when none is close.</summary>
    public static string? Closest(string name, IEnumerable<string> candidates) => candidates
        .Select(c => (Name: c, Distance: Spelling.Distance(name, c)))
        .Where(x => x.Distance <= Math.Max(2, x.Name.Length / 3))
        .OrderBy(x => x.Distance).Select(x => x.Name).FirstOrDefault();

    private static string Hint(string name, IEnumerable<string> candidates, string rest) =>
        Closest(name, candidates) is { } c ? $"; did you mean '{c}{rest}'?" : "";

    // Full keys of every value under a section (a value set directly on the section counts too).
    private static IEnumerable<string> Leaves(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0) { yield return section.Path; yield break; }
        foreach (var child in children)
            foreach (var leaf in Leaves(child)) yield return leaf;
    }
}
