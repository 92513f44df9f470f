using System.Text;
using System.Text.Json;

namespace Nnclr.Host.Configuration;

/// <summary>
/// The resolved configuration as YAML (`nnclr config show --format yaml`): the same sections and values as the JSON,
/// strings double-quoted (JSON escaping is valid YAML), numbers and booleans bare; read back by --config FILE.yaml.
/// </summary>
public static class ConfigYaml
{
    /// <summary>YAML for <paramref name="json"/>, an object of sections of scalars as <see cref="ResolvedConfig.ToResolvedJson"/> writes.</summary>
    public static string FromJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var yaml = new StringBuilder();
        foreach (var section in doc.RootElement.EnumerateObject())
        {
            yaml.Append(section.Name).Append(":\n");
            foreach (var key in section.Value.EnumerateObject())
            {
                var value = key.Value.ValueKind switch
                {
                    JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => key.Value.GetRawText(),
                    JsonValueKind.Null => "null",
                    _ => throw new ConfigurationException($"{section.Name}:{key.Name}: not a scalar; YAML output supports sections of scalars only"),
                };
                yaml.Append("  ").Append(key.Name).Append(": ").Append(value).Append('\n');
            }
        }
        return yaml.ToString();
    }
}
