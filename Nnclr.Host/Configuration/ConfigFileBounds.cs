using System.Text.Json;
using Nnclr.Data;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Nnclr.Host.Configuration;

/// <summary>
/// Bounds a configuration file before the configuration providers read it: its size, and the number of keys and
/// values it holds once YAML aliases are expanded (counted in one pass over the parser's events, so a "billion
/// laughs" file is refused after reading its few hundred bytes, not after expanding it). A full configuration has
/// about a hundred keys; the bounds leave a wide margin and keep strict validation's work small.
/// </summary>
public static class ConfigFileBounds
{
    /// <summary>Largest configuration file read (a complete one is about 3 KB).</summary>
    public const long MaxFileBytes = 1L << 20;

    /// <summary>Most keys and values (scalars, aliases expanded) a file may hold.</summary>
    public const int MaxValues = 4096;

    /// <summary>Throws <see cref="ConfigurationException"/> naming <paramref name="file"/> when it is too large or expands too far.</summary>
    public static void Check(string file, string full)
    {
        var info = new FileInfo(full);
        if (!info.Exists) throw new ConfigurationException($"configuration file '{file}' not found");
        if (!FileKind.IsRegularFile(full))
            throw new ConfigurationException($"configuration file '{file}' is a {FileKind.Describe(full)}, not a regular file");
        if (info.Length > MaxFileBytes)
            throw new ConfigurationException($"configuration file '{file}' is {info.Length} bytes, more than the {MaxFileBytes} a configuration needs");
        var bytes = File.ReadAllBytes(full);
        long values;
        try { values = NnclrConfiguration.IsYaml(full) ? YamlValues(bytes) : JsonValues(bytes); }
        catch (YamlException e) { throw new ConfigurationException($"configuration file '{file}' could not be read: {e.Message.Split('\n')[0]}", e); }
        // YamlDotNet's scanner throws a bare System.Exception on some malformed plain scalars: still one line naming the file.
        catch (Exception e) when (e.GetType() == typeof(Exception) && e.StackTrace?.Contains("YamlDotNet.", StringComparison.Ordinal) == true)
        {
            throw new ConfigurationException($"configuration file '{file}' could not be read: malformed YAML", e);
        }
        catch (JsonException e) { throw new ConfigurationException(NnclrConfiguration.DescribeFileError(file, e), e); }
        if (values > MaxValues)
            throw new ConfigurationException($"configuration file '{file}' holds more than {MaxValues} keys and values{(NnclrConfiguration.IsYaml(full) ? " (YAML aliases expanded)" : "")}; a configuration has about a hundred");
    }

    // Counts scalars and aliases (each alias as the size of what it names); stops as soon as the count passes the bound.
    private static long YamlValues(byte[] bytes)
    {
        var parser = new Parser(new StreamReader(new MemoryStream(bytes)));
        var anchors = new Dictionary<string, long>(StringComparer.Ordinal);
        var open = new Stack<(string? Anchor, long Start)>();
        long count = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case Scalar s:
                    count++;
                    if (!s.Anchor.IsEmpty) anchors[s.Anchor.Value] = 1;
                    break;
                case MappingStart m: open.Push((m.Anchor.IsEmpty ? null : m.Anchor.Value, count)); break;
                case SequenceStart q: open.Push((q.Anchor.IsEmpty ? null : q.Anchor.Value, count)); break;
                case MappingEnd or SequenceEnd:
                    var (anchor, start) = open.Pop();
                    if (anchor is not null) anchors[anchor] = Math.Max(1, count - start);
                    break;
                case AnchorAlias alias: count += anchors.GetValueOrDefault(alias.Value.Value, 1); break;
            }
            if (count > MaxValues) return count; // no need to read further
        }
        return count;
    }

    // Counts property names and values of any kind; stops as soon as the count passes the bound.
    private static long JsonValues(byte[] bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 64 });
        long count = 0;
        while (reader.Read())
            if (reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray) && ++count > MaxValues) return count;
        return count;
    }
}
