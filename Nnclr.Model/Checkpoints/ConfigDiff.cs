using System.Globalization;
using System.Text;
using System.Text.Json;
using K4os.Hash.xxHash;

namespace Nnclr.Model;

/// <summary>
/// Pure comparison of two configurations as written by the host (JSON objects of sections): which keys that change
/// the maths (data, augmentation, model, optimiser, loss and support set, seed, determinism) differ. Keys that only
/// change where or how fast a run goes (paths, device, threads, logging, checkpoint cadence, evaluation) are ignored.
/// </summary>
public static class ConfigDiff
{
    // Every key of these sections changes the maths.
    private static readonly string[] MathsSections = ["Data", "Augment", "Model", "Optim", "Nnclr"];
    // Single keys of other sections that change the maths.
    private static readonly string[] MathsKeys = ["Run:Seed", "Run:Deterministic"];
    // Keys of a maths section that do not (the dataset may be moved between a run and its resume).
    private static readonly string[] IgnoredKeys = ["Data:Dir"];
    // Deepest nesting accepted in a stored configuration (the host writes depth 2).
    private const int MaxDepth = 16;

    /// <summary>True when <paramref name="key"/> ("Section:Key[:…]") is one that changes the maths.</summary>
    public static bool IsMathsKey(string key)
    {
        if (IgnoredKeys.Any(k => key.Equals(k, StringComparison.OrdinalIgnoreCase))) return false;
        if (MathsKeys.Any(k => key.Equals(k, StringComparison.OrdinalIgnoreCase))) return true;
        int colon = key.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && MathsSections.Any(s => s.Equals(key[..colon], StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The maths-relevant keys whose values differ between <paramref name="storedJson"/> and <paramref name="currentJson"/>
    /// (ordinal by key), leaving out those in <paramref name="allowed"/> (intended changes, e.g. "Optim:Epochs").
    /// Throws <see cref="JsonException"/> when either is not a JSON object.
    /// </summary>
    public static IReadOnlyList<ConfigChange> Compare(string storedJson, string currentJson, IEnumerable<string>? allowed = null)
    {
        var stored = MathsValues(storedJson);
        var current = MathsValues(currentJson);
        var skip = new HashSet<string>(allowed ?? [], StringComparer.OrdinalIgnoreCase);
        var changes = new List<ConfigChange>();
        foreach (var key in stored.Keys.Union(current.Keys, StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase))
        {
            if (skip.Contains(key)) continue;
            stored.TryGetValue(key, out var a);
            current.TryGetValue(key, out var b);
            if (a != b) changes.Add(new ConfigChange(key, a, b));
        }
        return changes;
    }

    /// <summary>A 16-hex-digit XXH64 of the maths-relevant keys and values (sorted), stable across key order and formatting.</summary>
    public static string Hash(string configJson)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in MathsValues(configJson).OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase))
            text.Append(key.ToUpperInvariant()).Append('=').Append(value).Append('\n');
        return XXH64.DigestOf(Encoding.UTF8.GetBytes(text.ToString())).ToString("x16", CultureInfo.InvariantCulture);
    }

    // "Section:Key" → canonical value text, maths keys only.
    private static Dictionary<string, string> MathsValues(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth }); }
        catch (JsonException e) // its message quotes the offending text, which may span lines
        { throw new JsonException($"the configuration is not valid JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}", e); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("a configuration must be a JSON object");
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        Flatten(doc.RootElement, "", values);
        foreach (var key in values.Keys.Where(k => !IsMathsKey(k)).ToList()) values.Remove(key);
        return values;
    }

    private static void Flatten(JsonElement e, string prefix, Dictionary<string, string> into)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject()) Flatten(p.Value, prefix.Length == 0 ? p.Name : prefix + ":" + p.Name, into);
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in e.EnumerateArray()) Flatten(item, prefix + ":" + (i++).ToString(CultureInfo.InvariantCulture), into);
                break;
            case JsonValueKind.Number:
                // 0.4 and 4e-1 are the same setting.
                into[prefix] = e.TryGetDouble(out var d) ? d.ToString("R", CultureInfo.InvariantCulture) : e.GetRawText();
                break;
            case JsonValueKind.String:
                into[prefix] = e.GetString() ?? "";
                break;
            default:
                into[prefix] = e.GetRawText();
                break;
        }
    }
}
