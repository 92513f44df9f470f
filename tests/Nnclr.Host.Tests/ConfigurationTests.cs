using System.Collections;
using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;

namespace Nnclr.Host.Tests;

public sealed class ConfigurationTests
{
    private static readonly IDictionary NoEnvironment = new Hashtable();

    private static TrainFlags Flags(params string[] args) => TrainFlags.Parse(new CliArgs(args, new HashSet<string> { "deterministic", "resume" }));

    [Theory]
    [InlineData("cifar10-resnet18", "resnet18-cifar", 512, 65536)]
    [InlineData("cpu-smoke", "tiny-cnn", 256, 8192)]
    [InlineData("demo", "tiny-cnn", 128, 4096)]
    [InlineData("stl10-resnet18", "resnet18", 256, 65536)]
    [InlineData("imagenet100-resnet18", "resnet18", 256, 65536)]
    public void Resolve_Preset_ValidatesAndUsesItsValues(string preset, string backbone, int batch, int supportSet)
    {
        var c = NnclrConfiguration.Resolve(Flags("--preset", preset), NoEnvironment);

        Assert.Equal(preset, c.Run.Preset);
        Assert.Equal(backbone, c.Model.Backbone);
        Assert.Equal(batch, c.Optim.BatchSize);
        Assert.Equal(supportSet, c.Nnclr.SupportSetSize);
        Assert.Equal(0.2, c.Nnclr.Temperature);
        Assert.Equal(Path.GetFullPath(Path.Combine("runs", preset)), c.RunDir);
    }

    [Fact]
    public void Resolve_Imagenet100_HasSoloLearnsRecipeForOneGpu()
    {
        var c = NnclrConfiguration.Resolve(Flags("--preset", "imagenet100-resnet18"), NoEnvironment);

        Assert.Equal(("imagenet100", 224, "byol", 0.08), (c.Data.Dataset, c.Augment.ViewSize, c.Augment.Policy, c.Augment.MinCropArea));
        Assert.Equal(("lars", 0.4, 0.02, 1e-5, 400), (c.Optim.Optimizer, c.Optim.LearningRate, c.Optim.LarsEta, c.Optim.WeightDecay, c.Optim.Epochs));
        Assert.Equal("cuda", c.Pipeline.Device);
        Assert.True(Presets.MeantForGpu("imagenet100-resnet18"));
        Assert.True(Presets.MeantForGpu("stl10-resnet18"));
    }

    [Fact]
    public void Resolve_Stl10_TrainsOnTrainPlusUnlabelledAt96()
    {
        var c = NnclrConfiguration.Resolve(Flags("--preset", "stl10-resnet18"), NoEnvironment);

        Assert.Equal(("stl10", "train+unlabelled", 96), (c.Data.Dataset, c.Data.TrainSplit, c.Augment.ViewSize));
    }

    [Theory]
    [InlineData("cifar100")]
    [InlineData("stl10")]
    [InlineData("my-photos_2")]
    public void Resolve_AnyDatasetName_Accepted(string name)
    {
        var c = NnclrConfiguration.Resolve(Flags("--preset", "cpu-smoke", "--set", $"Data:Dataset={name}"), NoEnvironment);
        Assert.Equal(name, c.Data.Dataset);
    }

    [Fact]
    public void Resolve_DatasetNameWithSlash_OneErrorNamingTheSetting()
    {
        var e = Assert.Throws<ConfigurationException>(() => NnclrConfiguration.Resolve(Flags("--preset", "cpu-smoke", "--set", "Data:Dataset=../x"), NoEnvironment));
        Assert.Contains("Data:Dataset", e.Message);
    }

    [Fact]
    public void Resolve_CpuSmoke_HasTheReferenceRecipe()
    {
        var c = NnclrConfiguration.Resolve(Flags("--preset", "cpu-smoke"), NoEnvironment);

        Assert.Equal((1024, 128, 1024), (c.Model.ProjectorHidden, c.Model.ProjectorOut, c.Model.PredictorHidden));
        Assert.Equal(("lars", 0.4, 3), (c.Optim.Optimizer, c.Optim.LearningRate, c.Optim.Epochs));
        Assert.Equal(("cifar10", "cpu"), (c.Data.Dataset, c.Pipeline.Device));
    }

    [Fact]
    public void Resolve_FileEnvironmentAndFlags_LaterLayersWin()
    {
        var file = Path.Combine(Path.GetTempPath(), $"nnclr-cfg-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "Optim": { "LearningRate": 0.1, "Epochs": 7 }, "Run": { "Seed": 5 } }""");
        try
        {
            var env = new Hashtable { ["NNCLR_Optim__LearningRate"] = "0.2", ["NNCLR_OPTIM__EPOCHS"] = "8", ["OTHER"] = "x" };
            var c = NnclrConfiguration.Resolve(Flags("--preset", "cpu-smoke", "--config", file, "--lr", "0.3"), env);

            Assert.Equal(0.3, c.Optim.LearningRate); // flag beats environment and file
            Assert.Equal(8, c.Optim.Epochs);         // environment beats file
            Assert.Equal(5, c.Run.Seed);             // file beats preset default
            Assert.Equal(256, c.Optim.BatchSize);    // preset
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Parse_ContractFlags_MapToConfigurationKeys()
    {
        var f = Flags("--preset", "demo", "--data", "/d", "--run-dir", "/r", "--max-steps", "100", "--deterministic", "--resume",
            "--set", "Nnclr:TopK=5; Eval:KnnK=20");

        Assert.Equal("demo", f.Preset);
        Assert.Equal("/d", f.Overrides["Data:Dir"]);
        Assert.Equal("/r", f.Overrides["Run:RunDir"]);
        Assert.Equal("100", f.Overrides["Run:MaxSteps"]);
        Assert.Equal("true", f.Overrides["Run:Deterministic"]);
        Assert.Equal("true", f.Overrides["Run:Resume"]);
        Assert.Equal("5", f.Overrides["Nnclr:TopK"]);
        Assert.Equal("20", f.Overrides["Eval:KnnK"]);
    }

    [Fact]
    public void Resolve_SupportSetNotAMultipleOfBatch_ErrorNamesBothSettings()
    {
        var e = Assert.Throws<ConfigurationException>(() =>
            NnclrConfiguration.Resolve(Flags("--preset", "cpu-smoke", "--batch-size", "384"), NoEnvironment));

        Assert.Equal("Nnclr:SupportSetSize (8192) must be a multiple of Optim:BatchSize (384): the support set is written one batch at a time " +
            "(Nnclr:SupportSetSize = '8192' from preset cpu-smoke; Optim:BatchSize = '384' from the command line)", e.Message);
    }

    [Fact]
    public void Resolve_ValueOutOfRange_ErrorNamesSetting()
    {
        var e = Assert.Throws<ConfigurationException>(() =>
            NnclrConfiguration.Resolve(Flags("--preset", "demo", "--set", "Eval:KnnK=0"), NoEnvironment));

        Assert.Equal("Eval:KnnK = '0' (from the command line): must be between 1 and 10000", e.Message);
    }

    [Fact]
    public void Resolve_NotANumberFromEnvironment_ErrorNamesSetting()
    {
        var e = Assert.Throws<ConfigurationException>(() =>
            NnclrConfiguration.Resolve(Flags("--preset", "demo"), new Hashtable { ["NNCLR_Optim__BatchSize"] = "lots" }));

        Assert.Equal("Optim:BatchSize = 'lots' (from environment variable NNCLR_Optim__BatchSize): not a valid whole number (32-bit)", e.Message);
    }

    [Fact]
    public void Resolve_TypoInConfigFile_ErrorNamesTheUnknownKey()
    {
        var file = Path.Combine(Path.GetTempPath(), $"nnclr-cfg-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "Optim": { "LerningRate": 0.1 } }""");
        try
        {
            var e = Assert.Throws<ConfigurationException>(() => NnclrConfiguration.Resolve(Flags("--preset", "demo", "--config", file), NoEnvironment));
            Assert.Contains("LerningRate", e.Message);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Resolve_MalformedConfigFile_ErrorNamesTheFile()
    {
        var file = Path.Combine(Path.GetTempPath(), $"nnclr-cfg-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "Optim": { "Epochs": 3, """);
        try
        {
            var e = Assert.Throws<ConfigurationException>(() => NnclrConfiguration.Resolve(Flags("--preset", "demo", "--config", file), NoEnvironment));
            Assert.StartsWith($"configuration file '{file}': JSON syntax error at line 1, position ", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Resolve_UnknownPreset_ListsTheValidOnes()
    {
        var e = Assert.Throws<ConfigurationException>(() => NnclrConfiguration.Resolve(Flags("--preset", "imagenet"), NoEnvironment));

        Assert.Equal("unknown preset 'imagenet'; choose one of: cifar10-resnet18, stl10-resnet18, imagenet100-resnet18, cpu-smoke, demo", e.Message);
    }

    [Fact]
    public void Resolve_DeterministicOnCuda_Accepted()
    {
        // Run:Deterministic fixes the algorithms on every device; it no longer forces the CPU.
        var cfg = NnclrConfiguration.Resolve(Flags("--preset", "demo", "--deterministic", "--device", "cuda"), NoEnvironment);

        Assert.True(cfg.Run.Deterministic);
        Assert.Equal("cuda", cfg.Pipeline.Device);
    }
}
