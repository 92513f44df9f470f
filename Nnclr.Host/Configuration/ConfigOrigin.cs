using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace Nnclr.Host.Configuration;

/// <summary>
/// Where a key's value came from in a configuration built by <see cref="NnclrConfiguration.Load"/>: the preset, the
/// --config file, an NNCLR_* variable or the command line (the highest layer that has it), or the default.
/// </summary>
public static class ConfigOrigin
{
    /// <summary>"preset demo", "file 'my.yaml'", "environment variable NNCLR_Optim__BatchSize", "the command line" or "the default".</summary>
    public static string Of(IConfiguration configuration, string key)
    {
        if (configuration is not IConfigurationRoot root) return "the configuration";
        var providers = root.Providers.ToList();
        // Memory providers in layer order: preset, environment, flags (the file is a file provider).
        var memory = providers.OfType<MemoryConfigurationProvider>().ToList();
        for (int i = providers.Count - 1; i >= 0; i--)
        {
            var provider = providers[i];
            if (!provider.TryGet(key, out _)) continue;
            if (provider is FileConfigurationProvider file)
                return $"file '{file.Source.FileProvider?.GetFileInfo(file.Source.Path ?? "").PhysicalPath ?? file.Source.Path}'";
            int layer = provider is MemoryConfigurationProvider m ? memory.IndexOf(m) : -1;
            return (memory.Count, layer) switch
            {
                (3, 0) => $"preset {root["Run:Preset"]}",
                (3, 1) => $"environment variable {NnclrConfiguration.EnvironmentPrefix}{key.Replace(":", "__", StringComparison.Ordinal)}",
                (3, 2) => "the command line",
                _ => "the stored configuration",
            };
        }
        return "the default";
    }
}
