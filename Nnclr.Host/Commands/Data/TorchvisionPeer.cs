using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Nnclr.Host.Commands.Data;

/// <summary>Runs ../shared/tools/tv_augment.py (torchvision, same policy) on the same cores and parses its views/s.</summary>
internal static partial class TorchvisionPeer
{
    /// <summary>The peer script: <paramref name="explicitPath"/>, else shared/tools/tv_augment.py in an ancestor of the repo or the exe.</summary>
    public static string? Locate(string? explicitPath) => Locate(explicitPath, "tv_augment.py");

    /// <summary>As above for the peer script named <paramref name="scriptName"/> under shared/tools.</summary>
    public static string? Locate(string? explicitPath, string scriptName)
    {
        if (explicitPath is not null) return File.Exists(explicitPath) ? Path.GetFullPath(explicitPath) : null;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "shared", "tools", scriptName);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    /// <summary>Views/s and the peer's own description line, or null and the reason it is unavailable.</summary>
    public static (double? ViewsPerSecond, string Detail) Run(string python, string script, int threads, double seconds, int size) =>
        Run(python, script, [threads.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture), size.ToString(CultureInfo.InvariantCulture)],
            threads, seconds, ViewsPerSecond());

    /// <summary>tv_jpeg_augment.py on <paramref name="dir"/>: images/s (decode + two views) on one core.</summary>
    public static (double? ImagesPerSecond, string Detail) RunJpeg(string python, string script, string dir, double seconds, int size) =>
        Run(python, script, [dir, seconds.ToString(CultureInfo.InvariantCulture), size.ToString(CultureInfo.InvariantCulture)], 1, seconds, ImagesPerSecond());

    private static (double? Rate, string Detail) Run(string python, string script, string[] arguments, int threads, double seconds, Regex rate)
    {
        if (!File.Exists(python)) return (null, $"peer unavailable: {python} not found (apt-get install -y python3-torchvision)");
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        using var p = Process.Start(psi);
        if (p is null) return (null, $"peer unavailable: could not start {python}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(seconds + 180)))
        {
            p.Kill(entireProcessTree: true);
            return (null, "peer unavailable: timed out");
        }
        var text = stdout.Result.Trim();
        var m = rate.Match(text);
        if (p.ExitCode != 0 || !m.Success)
        {
            var err = stderr.Result.Trim().Split('\n').LastOrDefault() ?? "";
            return (null, $"peer unavailable: exit {p.ExitCode}: {(err.Length > 0 ? err : text)}");
        }
        return (double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), text);
    }

    [GeneratedRegex(@"([0-9.]+) views/s")]
    private static partial Regex ViewsPerSecond();

    [GeneratedRegex(@"([0-9.]+) images/s")]
    private static partial Regex ImagesPerSecond();
}
