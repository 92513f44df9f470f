using Nnclr.Host.Configuration;
using Nnclr.Model;

namespace Nnclr.Host.Tests;

public sealed class ConfigMappingTests
{
    private static ResolvedConfig Resolve(string preset, params (string Key, string Value)[] set) =>
        NnclrConfiguration.Resolve(new TrainFlags { Preset = preset, Overrides = set.ToDictionary(s => s.Key, s => (string?)s.Value) });

    [Theory]
    [InlineData("tiny-cnn", typeof(TinyBackbone))]
    [InlineData("resnet18-cifar", typeof(ResNetBackbone))]
    public void Resolve_Backbone_IsTheValueTheModelBuilds(string backbone, Type expected)
    {
        var cfg = Resolve("demo", ("Model:Backbone", backbone));
        Assert.Equal(backbone, cfg.Model.Backbone);
        using var net = NetworkFactory.CreateBackbone(cfg.Model, 0);
        Assert.IsType(expected, net);
    }

    [Fact]
    public void Resolve_LossSameViewNegatives_IsTheValueTheModelParses()
    {
        var cfg = Resolve("demo", ("Nnclr:Loss", "same-view-negatives"));
        Assert.Equal("same-view-negatives", cfg.Nnclr.Loss);
        Assert.Equal(LossVariant.SimClr, LossVariants.Parse(cfg.Nnclr.Loss));
    }

    [Fact]
    public void CreateTrainer_DemoPreset_ScheduleSpansEpochsInSteps()
    {
        var cfg = Resolve("demo", ("Run:MaxSteps", "10"), ("Optim:WarmupEpochs", "2"));
        using var t = ConfigMapping.CreateTrainer(cfg, stepsPerEpoch: 97, TorchSharp.torch.CPU);
        // The schedule ignores Run:MaxSteps (a cut-short run is a prefix): 2 × 97 warm-up steps, 6 × 97 in all.
        var expected = new LrSchedule(LrSchedule.ScaledPeak(0.4, 128), 2 * 97, 6 * 97).At(0);
        Assert.Equal(expected, t.CurrentLr);
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
