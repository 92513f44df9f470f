using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Nnclr.Host.Cli;

/// <summary>
/// The `nnclr` command line on System.CommandLine: one command per <see cref="ICliCommand"/> (words in its name become
/// groups: "bench augment" under "bench"), each declared option and argument typed and described, -h/--help,
/// --version, response files (@file), [suggest] completion. A mistake (unknown token, single-dash typo, bad value,
/// missing command) is a few plain lines with a "did you mean" and exit code 2; it never reaches the command.
/// </summary>
public sealed class CommandLine
{
    // The root command (help, version and directives included).
    private readonly RootCommand _root;
    // What each leaf System.CommandLine command runs, with its declared options and arguments.
    private readonly Dictionary<Command, Bound> _bound = [];
    // The --version option of the root.
    private readonly VersionOption _version;
    // Old-style commands (no declared options): parsed by the hand-written CliArgs.
    private readonly IReadOnlyList<ICliCommand> _legacy;

    private sealed record Bound(ICliCommand Cli, IReadOnlyList<(CliOption Spec, Option Option)> Options, IReadOnlyList<Argument<string>> Arguments);

    public CommandLine(IReadOnlyList<ICliCommand> commands)
    {
        _root = new RootCommand("nnclr: NNCLR self-supervised training as a staged data pipeline.");
        _version = _root.Options.OfType<VersionOption>().Single();
        _version.Description = "Show the version, commit and torch backend, then exit.";
        _legacy = commands.Where(c => c.Options is null).ToList();
        foreach (var cli in commands.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var words = cli.Name.Split(' ');
            Command parent = _root;
            foreach (var group in words[..^1])
            {
                var existing = parent.Subcommands.FirstOrDefault(s => s.Name == group);
                if (existing is null) { existing = new Command(group, $"{group} commands: {string.Join(", ", GroupMembers(commands, GroupPath(parent, group)))}"); parent.Subcommands.Add(existing); }
                parent = existing;
            }
            var command = new Command(words[^1], cli.Summary);
            parent.Subcommands.Add(command);
            if (cli.Options is null) { command.TreatUnmatchedTokensAsErrors = false; continue; }
            var options = cli.Options.Select(spec => (spec, Make(spec))).ToList();
            foreach (var (_, option) in options) command.Options.Add(option);
            var arguments = cli.Arguments.Select(Make).ToList();
            foreach (var argument in arguments) command.Arguments.Add(argument);
            _bound[command] = new Bound(cli, options, arguments);
        }
    }

    /// <summary>
    /// Parses <paramref name="args"/>. Returns the command to run, or null with <paramref name="exitCode"/> set when the
    /// line was fully handled here (help, version, completion: 0; a mistake: 2, written to <paramref name="error"/>).
    /// </summary>
    public CliInvocation? Parse(string[] args, TextWriter output, TextWriter error, out int exitCode)
    {
        exitCode = 0;
        if (args.Length == 0) { Help([], output); exitCode = 2; return null; }
        // `nnclr help [COMMAND…]`, as before System.CommandLine: the same as `nnclr [COMMAND…] --help`.
        if (args[0] == "help") { Help(args[1..], output); return null; }
        if (Legacy(args) is { } legacy)
        {
            var rest = args[legacy.Name.Split(' ').Length..];
            if (rest.Contains("--help") || rest.Contains("-h")) { output.WriteLine(legacy.Usage); return null; }
            return new CliInvocation(legacy, new CliArgs(rest, legacy.Switches));
        }
        var result = _root.Parse(args, new ParserConfiguration { EnablePosixBundling = false });
        var command = result.CommandResult.Command;
        // Directives ([suggest], [diagram]) run their own action.
        if (result.Action is { } action && action is not ParseErrorAction and not HelpAction && result.GetResult(_version) is null)
        {
            exitCode = result.Invoke(new InvocationConfiguration { Output = output, Error = error });
            return null;
        }
        if (result.Errors.Count > 0)
        {
            // A group (or the root) given no command: list what it has.
            if (!_bound.ContainsKey(command) && result.UnmatchedTokens.Count == 0 && command.Subcommands.Count > 0 && result.GetResult(_version) is null)
            {
                Help(result, output);
                exitCode = 2;
                return null;
            }
            ReportErrors(result, command, _bound.GetValueOrDefault(command), error);
            exitCode = 2;
            return null;
        }
        if (result.GetResult(_version) is not null) { output.WriteLine(BuildInfo.Line); return null; }
        if (result.Action is HelpAction)
        {
            Help(result, output);
            if (_bound.TryGetValue(command, out var b) && b.Cli.Usage.Length > 0) output.WriteLine(b.Cli.Usage);
            return null;
        }
        if (!_bound.TryGetValue(command, out var bound)) { Help(result, output); exitCode = 2; return null; }
        return new CliInvocation(bound.Cli, Read(result, bound));
    }

    /// <summary>The full path of a command, e.g. "bench augment".</summary>
    public static string PathOf(Command command)
    {
        var words = new List<string>();
        for (Symbol? s = command; s is Command c && c is not RootCommand; s = c.Parents.FirstOrDefault()) words.Insert(0, c.Name);
        return string.Join(' ', words);
    }

    // The last words of the commands under a group, e.g. "augment", "pipeline" for "bench".
    private static IEnumerable<string> GroupMembers(IReadOnlyList<ICliCommand> commands, string group) =>
        commands.Where(c => c.Name.StartsWith(group + " ", StringComparison.Ordinal)).Select(c => c.Name[(group.Length + 1)..]).Order(StringComparer.Ordinal);

    private static string GroupPath(Command parent, string group) => parent is RootCommand ? group : $"{PathOf(parent)} {group}";

    private ICliCommand? Legacy(string[] args) => _legacy
        .Where(c => c.Name.Split(' ') is var w && args.Length >= w.Length && w.Select((x, i) => args[i] == x).All(b => b))
        .OrderByDescending(c => c.Name.Split(' ').Length).FirstOrDefault();

    private void Help(string[] words, TextWriter output) => Help(_root.Parse([.. words, "--help"]), output);

    private static void Help(ParseResult result, TextWriter output)
    {
        var words = PathOf(result.CommandResult.Command);
        var forHelp = result.RootCommandResult.Command.Parse(words.Length == 0 ? ["--help"] : [.. words.Split(' '), "--help"]);
        forHelp.Invoke(new InvocationConfiguration { Output = output });
    }

    private static void ReportErrors(ParseResult result, Command command, Bound? bound, TextWriter error)
    {
        var path = PathOf(command);
        var prefix = path.Length == 0 ? "nnclr" : $"nnclr {path}";
        // A missing positional: its name, meaning and choices (e.g. `nnclr ingest` lists what it ingests).
        var missing = (bound?.Arguments ?? []).Zip(bound?.Cli.Arguments ?? [])
            .Where(a => a.Second.Required && result.GetResult(a.First) is not { Tokens.Count: > 0 }).ToList();
        foreach (var (_, spec) in missing)
            error.WriteLine($"{prefix}: missing {spec.Name}: {spec.Description}{(spec.Choices is { } c ? $" ({string.Join(", ", c)})" : "")}");
        foreach (var token in result.UnmatchedTokens)
        {
            var guess = Suggest(token, command);
            var what = token.StartsWith('-') ? "unknown option" : command.Subcommands.Count > 0 ? "unknown command" : "unexpected argument";
            error.WriteLine($"{prefix}: {what} '{token}'{(guess is null ? "" : $"; did you mean '{guess}'?")}");
        }
        foreach (var e in result.Errors)
        {
            if (result.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal))) continue;
            if (missing.Count > 0 && e.SymbolResult is ArgumentResult or CommandResult && e.Message.StartsWith("Required argument missing", StringComparison.Ordinal)) continue;
            // "Required command was not provided." adds nothing to an unknown command's line.
            if (result.UnmatchedTokens.Count > 0 && command.Subcommands.Count > 0 && e.SymbolResult is CommandResult) continue;
            error.WriteLine($"{prefix}: {e.Message}");
        }
        error.WriteLine($"Run '{prefix} --help' for {(command.Subcommands.Count > 0 ? "its commands" : "its options")}.");
    }

    /// <summary>The closest option (for "-x"/"--x") or command name to an unknown <paramref name="token"/>, or null.</summary>
    internal static string? Suggest(string token, Command command)
    {
        var bare = token.TrimStart('-');
        int eq = bare.IndexOf('=');
        if (eq >= 0) bare = bare[..eq];
        IEnumerable<string> names = token.StartsWith('-')
            ? command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name))
            : command.Subcommands.Where(s => !s.Hidden).Select(s => s.Name);
        var best = names.Select(n => (Name: n, Distance: Spelling.Distance(bare, n.TrimStart('-'))))
            .Where(x => x.Distance <= Math.Max(1, x.Name.TrimStart('-').Length / 3))
            .OrderBy(x => x.Distance).ThenBy(x => x.Name, StringComparer.Ordinal).FirstOrDefault();
        return best.Name;
    }

    private static CliArgs Read(ParseResult result, Bound bound)
    {
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        var repeated = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (spec, option) in bound.Options)
        {
            if (result.GetResult(option) is not { Implicit: false } r) continue;
            if (spec.Kind == CliValueKind.Switch)
                options[spec.Name] = result.GetValue((Option<bool>)option) ? null : "false";
            else if (spec.Repeatable)
            {
                var all = result.GetValue((Option<string[]>)option) ?? [];
                repeated[spec.Name] = all;
                if (all.Length > 0) options[spec.Name] = all[^1];
            }
            else options[spec.Name] = result.GetValue((Option<string>)option);
        }
        var positionals = new List<string>();
        foreach (var argument in bound.Arguments)
            if (result.GetResult(argument) is { Tokens.Count: > 0 } && result.GetValue(argument) is { } value) positionals.Add(value);
        return new CliArgs(options, repeated, positionals);
    }

    private static Option Make(CliOption spec)
    {
        var names = spec.Alias is null ? Array.Empty<string>() : [spec.Alias];
        var description = spec.Default is null ? spec.Description : $"{spec.Description} [default: {spec.Default}]";
        if (spec.Kind == CliValueKind.Switch)
            return new Option<bool>("--" + spec.Name, names) { Description = description, Arity = ArgumentArity.ZeroOrOne };
        if (spec.Repeatable)
        {
            var many = new Option<string[]>("--" + spec.Name, names)
            { Description = description + " (repeatable)", HelpName = spec.ValueName, Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
            many.Validators.Add(r => Check(spec, r));
            return many;
        }
        var one = new Option<string>("--" + spec.Name, names) { Description = description, HelpName = spec.ValueName };
        one.Validators.Add(r => Check(spec, r));
        return one;
    }

    private static Argument<string> Make(CliArgument spec)
    {
        var argument = new Argument<string>(spec.Name)
        {
            Description = spec.Description,
            Arity = spec.Required ? ArgumentArity.ExactlyOne : ArgumentArity.ZeroOrOne,
        };
        if (spec.Choices is { } choices) argument.AcceptOnlyFromAmong([.. choices]);
        return argument;
    }

    // A typed option's value must parse: `--epochs x` is a usage error naming the option and the value.
    private static void Check(CliOption spec, OptionResult result)
    {
        foreach (var token in result.Tokens)
        {
            var s = token.Value;
            bool ok = spec.Kind switch
            {
                CliValueKind.Int => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
                CliValueKind.Long => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
                CliValueKind.Double => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
                _ => true,
            };
            if (!ok)
                result.AddError($"--{spec.Name}: '{s}' is not {(spec.Kind == CliValueKind.Double ? "a number" : "a whole number in range")}");
        }
    }
}
