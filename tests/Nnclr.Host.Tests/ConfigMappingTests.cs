using Nnclr.Host.Configuration;
using Nnclr.Host.Training;

namespace Nnclr.Host.Tests;

public sealed class ConfigMappingTests
{
    private static ResolvedConfig Resolve(string preset, params (string Key, string Value)[] set) =>
        NnclrConfiguration.Resolve(new TrainFlags { Preset = preset, Overrides = set.ToDictionary(s => s.Key, s => (string?)s.Value) });

    [Theory]
    [InlineData("resnet18-cifar", "resnet18", "cifar")]
    [InlineData("resnet50", "resnet50", "imagenet")]
    [InlineData("resnet34-cifar", "resnet34", "cifar")]
    [InlineData("tiny-cnn", "tiny", "cifar")]
    public void ToModel_Backbone_MapsArchAndStem(string backbone, string arch, string stem)
    {
        var m = ConfigMapping.ToModel(Resolve("demo", ("Model:Backbone", backbone)));
        Assert.Equal((arch, stem), (m.Arch, m.Stem));
    }

    [Fact]
    public void ToTrainer_GpuPreset_ScheduleSpansEpochsAndWarmupInSteps()
    {
        var cfg = Resolve("cifar10-resnet18", ("Run:MaxSteps", "10"), ("Nnclr:Loss", "same-view-negatives"));
        var t = ConfigMapping.ToTrainer(cfg, stepsPerEpoch: 97);
        Assert.Equal(10 * 97, t.WarmupSteps);           // 10 warm-up epochs
        Assert.Equal(200 * 97, t.TotalSteps);           // the schedule ignores Run:MaxSteps, so a cut-short run is a prefix
        Assert.Equal("simclr", t.Loss);
        Assert.Equal(("bf16", true), (t.Precision, t.ChannelsLast));
        Assert.Equal((65536, 0.2, 0.4, 0.02), (t.SupportSetSize, t.Temperature, t.BaseLr, t.LarsEta));
    }

    [Fact]
    public void ToPolicy_CropFloorAndNoSolarize_AppliedToBothViews()
    {
        var cfg = Resolve("demo", ("Augment:Policy", "byol"), ("Augment:MinCropArea", "0.5"), ("Augment:Solarize", "false"));
        var p = ConfigMapping.ToPolicy(cfg.Augment);
        Assert.Equal((0.5, 0.5), (p.View1.CropAreaMin, p.View2.CropAreaMin));
        Assert.Equal((0.0, 0.0), (p.View1.SolarizeP, p.View2.SolarizeP));
        Assert.Equal((1.0, 0.1), (p.View1.BlurP, p.View2.BlurP)); // byol keeps its blur probabilities
    }

    [Fact]
    public void Resolve_UnknownPolicy_ErrorNamesSetting()
    {
        var e = Assert.Throws<ConfigurationException>(() => Resolve("demo", ("Augment:Policy", "fancy")));
        Assert.Contains("Augment:Policy", e.Message);
    }
}
