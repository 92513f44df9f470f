using System.Globalization;

namespace Nnclr.Host.Cli;

/// <summary>
/// A command's arguments: positionals, <c>--name value</c> options and <c>--flag</c> switches. Built by
/// <see cref="CommandLine"/> from System.CommandLine's parse of the options the command declares
/// (<see cref="ICliCommand.Options"/>), or, for a command that declares none yet, by the old hand-written parser
/// (<see cref="CliArgs(IEnumerable{string}, IReadOnlySet{string})"/>). Every option a command reads is marked as
/// used; <see cref="EnsureAllUsed"/> rejects the rest (an option declared for one form of a command, given to another).
/// </summary>
public sealed class CliArgs
{
    // Options by name (without the leading dashes); a switch maps to null (or "true"/"false").
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    // Every value of an option given more than once (repeatable options only).
    private readonly Dictionary<string, IReadOnlyList<string>> _repeated = new(StringComparer.Ordinal);
    // Names read by the command so far.
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <summary>Arguments that are not options, in order.</summary>
    public IReadOnlyList<string> Positionals { get; }

    public CliArgs(IEnumerable<string> args, IReadOnlySet<string>? switches = null)
    {
        var pos = new List<string>();
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (a == "--") { pos.AddRange(list.Skip(i + 1)); break; }
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                var name = a[2..];
                string? value = null;
                int eq = name.IndexOf('=');
                if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
                else if ((switches is null || !switches.Contains(name)) && i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal))
                    value = list[++i];
                if (_options.ContainsKey(name)) throw new CliException($"option --{name} given twice");
                _options[name] = value;
            }
            else pos.Add(a);
        }
        Positionals = pos;
    }

    /// <summary>Arguments System.CommandLine parsed: option values by name (the last of a repeatable one in
    /// <paramref name="options"/>, all of them in <paramref name="repeated"/>) and positionals.</summary>
    internal CliArgs(IReadOnlyDictionary<string, string?> options, IReadOnlyDictionary<string, IReadOnlyList<string>> repeated, IReadOnlyList<string> positionals)
    {
        foreach (var (k, v) in options) _options[k] = v;
        foreach (var (k, v) in repeated) _repeated[k] = v;
        Positionals = positionals;
    }

    /// <summary>Every value of a repeatable option, in order (empty when absent).</summary>
    public IReadOnlyList<string> Strings(string name)
    {
        _used.Add(name);
        if (_repeated.TryGetValue(name, out var all)) return all;
        return _options.TryGetValue(name, out var v) && v is not null ? [v] : [];
    }

    public bool Has(string name) { _used.Add(name); return _options.ContainsKey(name); }

    public bool Flag(string name)
    {
        _used.Add(name);
        if (!_options.TryGetValue(name, out var v)) return false;
        return v is null || v is "true" or "1" or "yes" ? true
            : v is "false" or "0" or "no" ? false
            : throw new CliException($"--{name} is a switch; got value '{v}'");
    }

    public string? String(string name)
    {
        _used.Add(name);
        if (!_options.TryGetValue(name, out var v)) return null;
        return v ?? throw new CliException($"--{name} needs a value");
    }

    public string Required(string name) => String(name) ?? throw new CliException($"missing required option --{name}");

    public int? Int(string name) => Parse(name, s => int.Parse(s, CultureInfo.InvariantCulture));
    public long? Long(string name) => Parse(name, s => long.Parse(s, CultureInfo.InvariantCulture));
    public double? Double(string name) => Parse(name, s => double.Parse(s, CultureInfo.InvariantCulture));

    private T? Parse<T>(string name, Func<string, T> parse) where T : struct
    {
        var s = String(name);
        if (s is null) return null;
        try { return parse(s); }
        catch (FormatException) { throw new CliException($"--{name}: '{s}' is not a valid {typeof(T).Name.ToLowerInvariant()}"); }
        catch (OverflowException) { throw new CliException($"--{name}: '{s}' is out of range"); }
    }

    /// <summary>Positional <paramref name="index"/>, or a clear error naming <paramref name="what"/>.</summary>
    public string Positional(int index, string what) =>
        index < Positionals.Count ? Positionals[index] : throw new CliException($"missing argument: {what}");

    /// <summary>Throws when an option was given that the command never read.</summary>
    public void EnsureAllUsed()
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new CliException($"unknown option{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown.Select(u => "--" + u))}");
    }
}
