using System.Collections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Nnclr.Model;

namespace Nnclr.Host.Configuration;

/// <summary>
/// Builds the layered configuration (preset &lt; JSON file &lt; NNCLR_* environment &lt; flags) and registers
/// one validated options class per section.
/// </summary>
public static class NnclrConfiguration
{
    /// <summary>Prefix of configuration environment variables: NNCLR_Optim__BatchSize=512.</summary>
    public const string EnvironmentPrefix = "NNCLR_";

    /// <summary>
    /// Adds the four layers to <paramref name="builder"/>. <paramref name="environment"/> defaults to the
    /// process environment. Throws <see cref="ConfigurationException"/> for an unknown preset or a missing or
    /// malformed file.
    /// </summary>
    public static IConfigurationBuilder AddNnclrLayers(this IConfigurationBuilder builder, TrainFlags flags, IDictionary? environment = null)
    {
        builder.AddInMemoryCollection(Presets.Values(flags.Preset));
        if (flags.ConfigFile is { } file)
        {
            var full = Path.GetFullPath(file);
            ConfigFileBounds.Check(file, full);
            if (IsYaml(full)) builder.AddYamlFile(full, optional: false, reloadOnChange: false);
            else builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }
        builder.AddInMemoryCollection(FromEnvironment(environment ?? Environment.GetEnvironmentVariables()));
        builder.AddInMemoryCollection(flags.Overrides);
        return builder;
    }

    /// <summary>Run:Preset of a configuration file, or null when it sets none; throws <see cref="ConfigurationException"/> when it cannot be read.</summary>
    public static string? PresetOf(string file)
    {
        var full = Path.GetFullPath(file);
        ConfigFileBounds.Check(file, full);
        try
        {
            var builder = new ConfigurationBuilder();
            if (IsYaml(full)) builder.AddYamlFile(full, optional: false, reloadOnChange: false);
            else builder.AddJsonFile(full, optional: false, reloadOnChange: false);
            return builder.Build()["Run:Preset"] is { Length: > 0 } p ? p : null;
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException
            || e.GetType().Namespace?.StartsWith("YamlDotNet", StringComparison.Ordinal) == true)
        {
            throw new ConfigurationException(DescribeFileError(file, e), e);
        }
    }

    /// <summary>True for a .yaml or .yml file (any other extension is read as JSON).</summary>
    public static bool IsYaml(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".yaml" or ".yml";

    /// <summary>NNCLR_Section__Key=value → "Section:Key" = value (other variables are ignored).</summary>
    /// <summary>Two variables naming one setting (they differ only in case) are a <see cref="ConfigurationException"/> naming both.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> FromEnvironment(IDictionary environment)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var result = new List<KeyValuePair<string, string?>>();
        foreach (DictionaryEntry e in environment)
        {
            var name = (string)e.Key;
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) || !name.Contains("__", StringComparison.Ordinal)) continue;
            var key = name[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal);
            if (!seen.TryAdd(key, name))
            {
                var (a, b) = string.CompareOrdinal(seen[key], name) < 0 ? (seen[key], name) : (name, seen[key]);
                throw new ConfigurationException($"environment variables {a} and {b} both set {a[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal)} (names differ only in case); unset one");
            }
            result.Add(new(key, (string?)e.Value));
        }
        return result;
    }

    /// <summary>Binds every section (unknown keys are errors), with DataAnnotations, cross-field rules and ValidateOnStart.</summary>
    public static IServiceCollection AddNnclrOptions(this IServiceCollection services, IConfiguration configuration)
    {
        Add<DataOptions>(services, configuration, DataOptions.Section);
        Add<AugmentOptions>(services, configuration, AugmentOptions.Section);
        Add<ModelOptions>(services, configuration, ModelOptions.Section);
        Add<OptimOptions>(services, configuration, OptimOptions.Section);
        Add<NnclrOptions>(services, configuration, NnclrOptions.Section);
        Add<PipelineOptions>(services, configuration, PipelineOptions.Section);
        Add<CheckpointOptions>(services, configuration, CheckpointOptions.Section);
        Add<EvalOptions>(services, configuration, EvalOptions.Section);
        Add<RunOptions>(services, configuration, RunOptions.Section);
        services.AddSingleton<IValidateOptions<NnclrOptions>, NnclrOptionsValidator>();
        services.AddSingleton<IValidateOptions<OptimOptions>, OptimOptionsValidator>();
        services.AddSingleton(sp => ResolvedConfig.From(sp, configuration));
        return services;
    }

    /// <summary>Resolves and validates without a host (tests, `nnclr config show`); throws <see cref="ConfigurationException"/>.</summary>
    public static ResolvedConfig Resolve(TrainFlags flags, IDictionary? environment = null) => Validate(Load(flags, environment));

    /// <summary>
    /// Binds and validates every section of a loaded configuration; throws <see cref="ConfigurationException"/> with one
    /// line per problem, each naming the setting, its value, the rule and where the value came from.
    /// </summary>
    public static ResolvedConfig Validate(IConfigurationRoot configuration)
    {
        using var services = new ServiceCollection().AddNnclrOptions(configuration).BuildServiceProvider();
        try { return services.GetRequiredService<ResolvedConfig>(); }
        catch (Exception e) when (Describe(e) is { } message) { throw new ConfigurationException(ConfigErrors.Annotate(message, configuration), e); }
    }

    /// <summary>Re-binds a configuration written by <see cref="ResolvedConfig.ToJson"/> (e.g. a checkpoint's), validating it again.</summary>
    public static ResolvedConfig FromJson(string json, string source)
    {
        IConfigurationRoot configuration;
        try { configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build(); }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            throw new ConfigurationException($"{source}: the stored configuration is not valid JSON: {JsonProblem(e) ?? OneLine(e.Message)}", e);
        }
        var services = new ServiceCollection().AddNnclrOptions(configuration).BuildServiceProvider();
        try { return services.GetRequiredService<ResolvedConfig>(); }
        catch (Exception e) when (Describe(e) is { } message) { throw new ConfigurationException($"{source}: {OneLine(message.Replace("\n", "; ", StringComparison.Ordinal))}", e); }
        // A stored configuration is untrusted: a value the validators themselves cannot handle (e.g. an int range
        // check on a number beyond int) is still one error naming the source.
        catch (Exception e) when (e is OverflowException or InvalidCastException or FormatException or ArgumentException or InvalidOperationException)
        { throw new ConfigurationException($"{source}: the stored configuration has an unusable value: {OneLine(e.Message)}", e); }
    }

    /// <summary>Builds the layered configuration; throws <see cref="ConfigurationException"/> for a bad preset or file.</summary>
    public static IConfigurationRoot Load(TrainFlags flags, IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        IConfigurationRoot root;
        try { root = new ConfigurationBuilder().AddNnclrLayers(flags, environment).Build(); }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException
            || e.GetType().Namespace?.StartsWith("YamlDotNet", StringComparison.Ordinal) == true)
        {
            throw new ConfigurationException(DescribeFileError(flags.ConfigFile ?? "", e), e);
        }
        // Strict: a key no options class has (a misspelled section or setting, from any layer) is an error, as is an
        // NNCLR_ variable that names a section with one underscore where two are needed.
        var problems = ConfigSchema.UnknownKeys(root).Concat(ConfigSchema.EnvironmentMistakes(environment)).ToList();
        if (problems.Count > 0) throw new ConfigurationException(FirstProblems(problems));
        return root;
    }

    /// <summary>Most problems listed one per line; the rest are counted.</summary>
    public const int MaxListedProblems = 20;

    /// <summary>The first <see cref="MaxListedProblems"/> problems, one per line, and how many more there are.</summary>
    public static string FirstProblems(IReadOnlyList<string> problems) => problems.Count <= MaxListedProblems
        ? string.Join("\n", problems)
        : string.Join("\n", problems.Take(MaxListedProblems)) + $"\n… and {problems.Count - MaxListedProblems} more problems ({problems.Count} in all)";

    /// <summary>
    /// One line for a configuration file that failed to load. A JSON syntax error (wrapped by the configuration
    /// provider in FormatException and InvalidDataException) gives the file, 1-based line and byte position.
    /// </summary>
    public static string DescribeFileError(string file, Exception e)
    {
        if (JsonProblem(e) is { } problem) return $"configuration file '{file}': JSON syntax error {problem}";
        return $"configuration file '{file}' could not be read: {OneLine((e.InnerException ?? e).Message)}";
    }

    // "at line L, position P: what" for the JsonException inside e (1-based), or null when there is none.
    private static string? JsonProblem(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is not System.Text.Json.JsonException j) continue;
            // "'x' is an invalid start of a value. LineNumber: 2 | BytePositionInLine: 13." → the part before "LineNumber".
            var what = j.Message;
            int at = what.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (at > 0) what = what[..at];
            var where = j.LineNumber is { } line ? $"line {line + 1}, position {(j.BytePositionInLine ?? 0) + 1}" : "unknown position";
            return $"at {where}: {OneLine(what).TrimEnd('.')}";
        }
        return null;
    }

    // A message made one line (the JSON reader quotes the offending text, which may span lines) and at most 300 characters.
    private static string OneLine(string message)
    {
        var line = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= 300 ? line : line[..300] + "…";
    }

    /// <summary>One readable line per configuration problem in <paramref name="e"/>, or null when it is not one.</summary>
    public static string? Describe(Exception e) => e switch
    {
        ConfigurationException c => c.Message,
        Nnclr.Model.ConfigMismatchException m => m.Message,
        OptionsValidationException v => string.Join("\n", v.Failures.Select(Clean)),
        AggregateException a when a.InnerExceptions.All(i => Describe(i) is not null) => string.Join("\n", a.InnerExceptions.Select(i => Describe(i))),
        // Binder: "Failed to convert configuration value '…' at 'Optim:BatchSize' to type …", or an unknown key.
        InvalidOperationException i when i.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase) => i.Message,
        _ => null,
    };

    // "DataAnnotation validation failed for 'OptimOptions' members: 'BatchSize' with the error: 'X'." → "X"
    private static string Clean(string failure)
    {
        const string marker = "with the error: '";
        int at = failure.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0) return failure;
        var text = failure[(at + marker.Length)..];
        // Remove exactly the wrapper's closing "'." (or "'"), keeping quotes that belong to the message.
        if (text.EndsWith("'.", StringComparison.Ordinal)) return text[..^2];
        return text.EndsWith('\'') ? text[..^1] : text;
    }

    private static void Add<T>(IServiceCollection services, IConfiguration configuration, string section) where T : class =>
        services.AddOptions<T>()
            .Bind(configuration.GetSection(section), o => o.ErrorOnUnknownConfiguration = true)
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
