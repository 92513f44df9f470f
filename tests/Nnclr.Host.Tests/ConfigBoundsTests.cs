using System.Collections;
using System.Diagnostics;
using System.Text;
using Nnclr.Host.Configuration;

namespace Nnclr.Host.Tests;

/// <summary>
/// Issue 26 case 9: configuration bombs. A file's size and its number of keys and values (YAML aliases expanded) are
/// bounded before the configuration providers read it; strict validation lists the first 20 problems and a count.
/// Each hostile file is refused with a managed allocation far below its expansion.
/// </summary>
public sealed class ConfigBoundsTests : IDisposable
{
    private static readonly IDictionary NoEnvironment = new Hashtable();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nnclr-cfgbounds-" + Guid.NewGuid().ToString("N"));

    public ConfigBoundsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ConfigurationException Refused(string name, string text)
    {
        var file = Path.Combine(_dir, name);
        File.WriteAllText(file, text);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ConfigurationException>(() => NnclrConfiguration.Resolve(new TrainFlags { Preset = "demo", ConfigFile = file }, NoEnvironment));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64L << 20, $"{name}: {allocated} bytes allocated before refusing");
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public void YamlBillionLaughs_RefusedByAliasExpansion()
    {
        // The 377-byte shape of the issue: nine levels of nine aliases, 9^9 values once expanded.
        var yaml = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'i'; c++)
        {
            char p = (char)(c - 1);
            yaml.Append($"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n");
        }
        var e = Refused("laughs.yaml", yaml.ToString());
        Assert.Contains("YAML aliases expanded", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ManyUnknownKeys_OverTheBound_RefusedBeforeValidation()
    {
        var json = "{" + string.Join(",", Enumerable.Range(0, 100_000).Select(i => $"\"k{i}\":1")) + "}";
        var e = Refused("keys.json", json); // 1.1 MB: over the size bound
        Assert.Contains("bytes, more than", e.Message, StringComparison.Ordinal);
        json = "{" + string.Join(",", Enumerable.Range(0, 10_000).Select(i => $"\"k{i}\":1")) + "}";
        e = Refused("keys2.json", json);
        Assert.Contains($"more than {ConfigFileBounds.MaxValues} keys and values", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownKeysUnderTheBound_First20AndACount()
    {
        var yaml = "Optim:\n" + string.Concat(Enumerable.Range(0, 1000).Select(i => $"  Unknown{i}: 1\n"));
        var e = Refused("unknown.yaml", yaml);
        var lines = e.Message.Split('\n');
        Assert.Equal(NnclrConfiguration.MaxListedProblems + 1, lines.Length);
        Assert.Equal("… and 980 more problems (1000 in all)", lines[^1]);
    }

    [Fact]
    public void Fifo_AsConfigurationFile_RefusedWithoutOpening()
    {
        var fifo = Path.Combine(_dir, "fifo.yaml");
        using (var mk = Process.Start("mkfifo", fifo)) mk.WaitForExit();
        var e = Assert.Throws<ConfigurationException>(() => NnclrConfiguration.Resolve(new TrainFlags { Preset = "demo", ConfigFile = fifo }, NoEnvironment));
        Assert.Contains("is a FIFO, not a regular file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnvironmentVariablesDifferingOnlyInCase_OneLineNamingBoth()
    {
        var env = new Hashtable { ["NNCLR_Optim__Epochs"] = "3", ["NNCLR_OPTIM__EPOCHS"] = "4" };
        var e = Assert.Throws<ConfigurationException>(() => NnclrConfiguration.Resolve(new TrainFlags { Preset = "demo" }, env));
        Assert.Equal("environment variables NNCLR_OPTIM__EPOCHS and NNCLR_Optim__Epochs both set OPTIM:EPOCHS (names differ only in case); unset one", e.Message);
    }
}
