using System.Collections;
using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Host.Hosting;

namespace Nnclr.Host.Tests;

/// <summary>Strict layers (unknown names from any layer), YAML files, the resolved file round trip and the run-directory guard, in process.</summary>
public sealed class StrictConfigurationTests : IDisposable
{
    private static readonly IDictionary NoEnvironment = new Hashtable();
    // Scratch folder of this test.
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nnclr-strict-" + Guid.NewGuid().ToString("N"));

    public StrictConfigurationTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainFlags Flags(params string[] args) => TrainFlags.Parse(new CliArgs(args, new HashSet<string> { "deterministic", "resume" }));

    [Fact]
    public void Resolve_UnknownKeyInsideKnownSection_OneLineWithSourceAndSuggestion()
    {
        var e = Assert.Throws<ConfigurationException>(() =>
            NnclrConfiguration.Resolve(Flags("--preset", "demo", "--set", "Optim:LerningRate=0.1"), NoEnvironment));
        Assert.Equal("unknown setting 'Optim:LerningRate' (from the command line); did you mean 'Optim:LearningRate'?", e.Message);
    }

    [Fact]
    public void Resolve_UnknownSectionInYamlFile_NamesTheFile()
    {
        var file = Path.Combine(_dir, "c.yml");
        File.WriteAllText(file, "Optmi:\n  Epochs: 3\n");
        var e = Assert.Throws<ConfigurationException>(() => NnclrConfiguration.Resolve(Flags("--preset", "demo", "--config", file), NoEnvironment));
        Assert.StartsWith($"unknown section 'Optmi' in Optmi:Epochs (from file '{file}'); did you mean 'Optim:Epochs'?", e.Message);
    }

    [Fact]
    public void Resolve_YamlFile_ValuesApplied()
    {
        var file = Path.Combine(_dir, "c.yaml");
        File.WriteAllText(file, "Optim:\n  Epochs: 3\n  BatchSize: 64\nRun:\n  Seed: 7\n");
        var c = NnclrConfiguration.Resolve(Flags("--preset", "demo", "--config", file), NoEnvironment);
        Assert.Equal((3, 64, 7L), (c.Optim.Epochs, c.Optim.BatchSize, c.Run.Seed));
    }

    [Fact]
    public void Resolve_EnvironmentVariableNotASetting_Ignored()
    {
        var c = NnclrConfiguration.Resolve(Flags("--preset", "demo"), new Hashtable { ["NNCLR_DEBUG"] = "1", ["NNCLR_TORCH_BACKEND"] = "cpu" });
        Assert.Equal("demo", c.Run.Preset);
    }

    [Fact]
    public void ToResolvedJson_FedBackAsConfigWithoutPreset_SameBytesAndEveryValueConcrete()
    {
        var first = NnclrConfiguration.Resolve(Flags("--preset", "demo", "--run-dir", Path.Combine(_dir, "run"), "--epochs", "2"), NoEnvironment).ToResolvedJson();
        Assert.DoesNotContain("\"Device\": \"auto\"", first);
        Assert.DoesNotContain("\"AugmentThreads\": 0", first);
        Assert.DoesNotContain("\"Dir\": \"\"", first);
        var file = Path.Combine(_dir, "resolved.json");
        File.WriteAllText(file, first);
        var again = NnclrConfiguration.Resolve(Flags("--config", file), NoEnvironment).ToResolvedJson();
        Assert.Equal(first, again);
    }

    [Fact]
    public void ConfigYaml_FedBackAsConfig_SameResolvedJson()
    {
        var json = NnclrConfiguration.Resolve(Flags("--preset", "cifar10-resnet18", "--device", "cpu", "--run-dir", Path.Combine(_dir, "y r:un #1")), NoEnvironment).ToResolvedJson();
        var file = Path.Combine(_dir, "resolved.yaml");
        File.WriteAllText(file, ConfigYaml.FromJson(json));
        Assert.Equal(json, NnclrConfiguration.Resolve(Flags("--config", file), NoEnvironment).ToResolvedJson());
    }

    [Fact]
    public void Check_FailedBeforeTraining_DirectoryIsFree()
    {
        var cfg = Config("free");
        Directory.CreateDirectory(cfg.RunDir);
        File.WriteAllText(Path.Combine(cfg.RunDir, "summary.json"), "{}");
        File.WriteAllText(Path.Combine(cfg.RunDir, "config.resolved.json"), "{}");
        Assert.Null(RunDirectoryGuard.Check(cfg, force: false, []));
    }

    [Fact]
    public void Check_AnotherRunsMetrics_RefusedThenForceMovesEverythingAside()
    {
        var cfg = Config("taken");
        Directory.CreateDirectory(Path.Combine(cfg.RunDir, "checkpoints"));
        File.WriteAllText(Path.Combine(cfg.RunDir, "metrics.jsonl"), "{\"step\":1}\n");
        File.WriteAllText(Path.Combine(cfg.RunDir, "checkpoints", "ckpt-000000000001.nnclr"), "x");
        File.WriteAllText(Path.Combine(cfg.RunDir, "notes.txt"), "mine");

        var e = Assert.Throws<ConfigurationException>(() => RunDirectoryGuard.Check(cfg, force: false, []));
        Assert.Contains($"run directory {cfg.RunDir} holds another run (metrics.jsonl, checkpoints)", e.Message);

        // Every file a run writes, each with its own content.
        string[] runFiles = ["run.json", "config.resolved.json", "metrics.jsonl", "status.json", "summary.json", "checkpoints/ckpt-000000000001.nnclr",
            "tensorboard/events.out.tfevents.1.host", "report/report.html", "report/loss.png"];
        foreach (var f in runFiles.Where(f => f != "metrics.jsonl" && !f.StartsWith("checkpoints/", StringComparison.Ordinal)))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(cfg.RunDir, f))!);
            File.WriteAllText(Path.Combine(cfg.RunDir, f), "content of " + f);
        }
        File.WriteAllText(Path.Combine(cfg.RunDir, "checkpoints", "ckpt-000000000001.nnclr"), "content of checkpoints/ckpt-000000000001.nnclr");
        File.WriteAllText(Path.Combine(cfg.RunDir, "metrics.jsonl"), "content of metrics.jsonl");

        var moved = RunDirectoryGuard.Check(cfg, force: true, []);
        Assert.NotNull(moved);
        Assert.Matches(@"previous-\d{8}T\d{6}Z$", moved);
        foreach (var f in runFiles)
        {
            Assert.Equal("content of " + f, File.ReadAllText(Path.Combine(moved, f)));
            Assert.False(File.Exists(Path.Combine(cfg.RunDir, f)), $"{f} was left in the run directory");
        }
        Assert.Equal(new[] { "notes.txt", Path.GetFileName(moved)! }, Directory.GetFileSystemEntries(cfg.RunDir).Select(e => Path.GetFileName(e)).Order(StringComparer.Ordinal));
        Assert.True(File.Exists(Path.Combine(cfg.RunDir, "notes.txt"))); // not a run file: left where it is
        Assert.Null(RunDirectoryGuard.Check(cfg, force: false, [])); // free again
    }

    [Fact]
    public void Check_ResumeAndForceTogether_Refused()
    {
        var cfg = NnclrConfiguration.Resolve(Flags("--preset", "demo", "--run-dir", Path.Combine(_dir, "both"), "--resume"), NoEnvironment);
        var e = Assert.Throws<ConfigurationException>(() => RunDirectoryGuard.Check(cfg, force: true, []));
        Assert.Contains("not both", e.Message);
    }

    private ResolvedConfig Config(string name) =>
        NnclrConfiguration.Resolve(Flags("--preset", "demo", "--run-dir", Path.Combine(_dir, name)), NoEnvironment);
}
