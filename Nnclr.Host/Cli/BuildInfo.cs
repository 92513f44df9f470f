using System.Reflection;

namespace Nnclr.Host.Cli;

/// <summary>`nnclr --version`: the version, the commit it was built from and the torch backend it was built for.</summary>
public static class BuildInfo
{
    /// <summary>"1.0.0" (the informational version without the commit).</summary>
    public static string Version => Informational.Split('+')[0];

    /// <summary>The commit (short), or "unknown" when built outside git.</summary>
    public static string Commit => Informational.Split('+') is [_, var sha, ..] ? sha[..Math.Min(12, sha.Length)] : "unknown";

    /// <summary>-p:TorchBackend of the build: cpu, cuda or external.</summary>
    public static string Backend => Metadata("TorchBackend") ?? "unknown";

    /// <summary>One line: version, commit, backend, TorchSharp and libtorch package versions.</summary>
    public static string Line =>
        $"nnclr {Version} (commit {Commit}) backend {Backend}, TorchSharp {TorchSharpVersion}, libtorch {Metadata("LibTorchVersion") ?? "unknown"}";

    private static string Informational =>
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private static string TorchSharpVersion => Nnclr.Model.Runtime.TorchRuntime.TorchSharpVersion;

    private static string? Metadata(string key) =>
        typeof(BuildInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;
}
