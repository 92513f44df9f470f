using System.Text.Json;

namespace Nnclr.Host.Commands.Data;

/// <summary>Indented camelCase JSON to stdout, the one format every data command's --json uses.</summary>
internal static class JsonOut
{
    // Shared, immutable after first use.
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static void Write(object value) => Console.WriteLine(JsonSerializer.Serialize(value, Options));
}
