using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Nnclr.Host.Configuration;

/// <summary>
/// Makes each configuration problem one plain line naming the setting, its value, the rule and where the value came
/// from: "Optim:BatchSize = 0 (from the command line): must be between 1 and 65536".
/// </summary>
public static partial class ConfigErrors
{
    /// <summary>Each line of <paramref name="message"/> with the value and origin of the settings it names.</summary>
    public static string Annotate(string message, IConfiguration configuration) =>
        string.Join("\n", message.Split('\n').Select(line => AnnotateLine(line, configuration)));

    private static string AnnotateLine(string line, IConfiguration configuration)
    {
        // The binder: "Failed to convert configuration value 'abc' at 'Optim:BatchSize' to type 'System.Int32'."
        if (ConvertFailure().Match(line) is { Success: true } m)
        {
            var key = m.Groups["key"].Value;
            return $"{key} = '{m.Groups["value"].Value}' (from {ConfigOrigin.Of(configuration, key)}): not a valid {Friendly(m.Groups["type"].Value)}";
        }
        var keys = SettingName().Matches(line).Select(x => x.Value)
            .Where(k => ConfigSchema.Keys.Contains(k, StringComparer.OrdinalIgnoreCase)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (keys.Count == 0) return line;
        string Value(string k) => configuration[k] is { } v ? $"'{v}'" : "(default)";
        if (keys.Count == 1 && line.StartsWith(keys[0] + " ", StringComparison.Ordinal))
            return $"{keys[0]} = {Value(keys[0])} (from {ConfigOrigin.Of(configuration, keys[0])}): {line[(keys[0].Length + 1)..]}";
        return $"{line} ({string.Join("; ", keys.Select(k => $"{k} = {Value(k)} from {ConfigOrigin.Of(configuration, k)}"))})";
    }

    private static string Friendly(string type) => type switch
    {
        "System.Int32" => "whole number (32-bit)",
        "System.Int64" => "whole number (64-bit)",
        "System.Double" => "number",
        "System.Boolean" => "boolean (true or false)",
        _ => type,
    };

    [GeneratedRegex(@"Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConvertFailure();

    [GeneratedRegex(@"\b[A-Z][A-Za-z]*:[A-Z][A-Za-z]*\b")]
    private static partial Regex SettingName();
}
