using System.Reflection;
using System.Text.Json;

namespace Nnclr.Pipeline.Metrics;

/// <summary>What a run's record says about the software and machine: nnclr version and commit, .NET, libtorch, host.</summary>
public static class RunFacts
{
    /// <summary>nnclr's version without the commit, e.g. "1.0.0".</summary>
    public static string Version => Informational.Split('+')[0];

    /// <summary>The git commit the binary was built from (the SDK puts it in the informational version), or null.</summary>
    public static string? Commit => Informational.Split('+') is [_, var c, ..] && c.Length > 0 ? c : null;

    // "1.0.0+<commit>" as the SDK stamps it on the entry assembly (this one when there is none, e.g. in tests).
    private static string Informational =>
        (Assembly.GetEntryAssembly() ?? typeof(RunFacts).Assembly).GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "unknown";

    /// <summary>The loaded libtorch's version, or null when it is not loaded.</summary>
    public static string? LibTorchVersion()
    {
        try { return TorchSharp.torch.__version__; }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException or InvalidOperationException) { return null; }
    }

    /// <summary>Writes "version", "commit", "dotnet", "libtorch", "host" into the object being written.</summary>
    public static void Write(Utf8JsonWriter w, bool withLibTorch)
    {
        w.WriteString("version", Version);
        if (Commit is { } c) w.WriteString("commit", c);
        w.WriteString("dotnet", Environment.Version.ToString());
        if (withLibTorch && LibTorchVersion() is { } t) w.WriteString("libtorch", t);
        w.WriteString("host", Environment.MachineName);
    }
}
