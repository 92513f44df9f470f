namespace Nnclr.Model.Tests;

/// <summary>Backbones have torchvision's parameter counts and state-dict keys (expected lists derived here from torchvision's definition).</summary>
public sealed class ArchitectureTests
{
    public ArchitectureTests() => TorchSetup.Ensure();

    // torchvision.models.resnet: ResNet.__init__ registers conv1, bn1, relu, maxpool, layer1..4, avgpool, fc;
    // BasicBlock: conv1, bn1, relu, conv2, bn2, downsample; Bottleneck: conv1, bn1, conv2, bn2, conv3, bn3, relu, downsample.
    // _make_layer adds downsample (conv1x1, BN) to block 0 when stride != 1 or inplanes != planes * expansion.
    // state_dict: per module its parameters, then buffers, then children in order. fc dropped.
    internal static List<string> TorchvisionKeys(int[] blocks, bool bottleneck)
    {
        static IEnumerable<string> Bn(string p) => new[] { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" }.Select(s => $"{p}.{s}");
        var keys = new List<string> { "conv1.weight" };
        keys.AddRange(Bn("bn1"));
        int expansion = bottleneck ? 4 : 1;
        int inplanes = 64;
        for (int l = 0; l < 4; l++)
        {
            int planes = 64 << l, stride = l == 0 ? 1 : 2;
            for (int b = 0; b < blocks[l]; b++)
            {
                string pre = $"layer{l + 1}.{b}";
                for (int c = 1; c <= (bottleneck ? 3 : 2); c++)
                {
                    keys.Add($"{pre}.conv{c}.weight");
                    keys.AddRange(Bn($"{pre}.bn{c}"));
                }
                if (b == 0 && (stride != 1 || inplanes != planes * expansion))
                {
                    keys.Add($"{pre}.downsample.0.weight");
                    keys.AddRange(Bn($"{pre}.downsample.1"));
                }
                inplanes = planes * expansion;
            }
        }
        return keys;
    }

    private static (long Params, List<string> Keys, Dictionary<string, long[]> Shapes) Describe(string arch, string stem)
    {
        using var net = new ResNetBackbone(arch, stem);
        var entries = StateDictOrder.Entries(net);
        return (entries.Where(e => e.IsParameter).Sum(e => e.Tensor.numel()),
                entries.Select(e => e.Key).ToList(),
                entries.ToDictionary(e => e.Key, e => e.Tensor.shape));
    }

    [Fact]
    public void ResNet18_ImagenetStem_MatchesTorchvisionWithoutFc()
    {
        var (count, keys, shapes) = Describe("resnet18", "imagenet");
        Assert.Equal(11_176_512, count);
        Assert.Equal(TorchvisionKeys([2, 2, 2, 2], bottleneck: false), keys);
        Assert.Equal(new long[] { 64, 3, 7, 7 }, shapes["conv1.weight"]);
        Assert.Equal(new long[] { 128, 64, 1, 1 }, shapes["layer2.0.downsample.0.weight"]);
        Assert.Equal(Array.Empty<long>(), shapes["bn1.num_batches_tracked"]);
    }

    [Fact]
    public void ResNet50_ImagenetStem_MatchesTorchvisionWithoutFc()
    {
        var (count, keys, shapes) = Describe("resnet50", "imagenet");
        Assert.Equal(23_508_032, count);
        Assert.Equal(TorchvisionKeys([3, 4, 6, 3], bottleneck: true), keys);
        Assert.Equal(new long[] { 256, 64, 1, 1 }, shapes["layer1.0.downsample.0.weight"]);
        Assert.Equal(new long[] { 512, 512, 3, 3 }, shapes["layer4.2.conv2.weight"]);
    }

    [Fact]
    public void ResNet34_ImagenetStem_MatchesTorchvisionWithoutFc()
    {
        var (count, keys, _) = Describe("resnet34", "imagenet");
        Assert.Equal(21_797_672 - 513_000, count); // torchvision resnet34 minus fc (512×1000 + 1000)
        Assert.Equal(TorchvisionKeys([3, 4, 6, 3], bottleneck: false), keys);
    }

    [Fact]
    public void ResNet18_CifarStem_HasSmallConv1AndSameKeys()
    {
        var (count, keys, shapes) = Describe("resnet18", "cifar");
        Assert.Equal(new long[] { 64, 3, 3, 3 }, shapes["conv1.weight"]);
        Assert.Equal(11_176_512 - 64 * 3 * (49 - 9), count);
        Assert.Equal(TorchvisionKeys([2, 2, 2, 2], bottleneck: false), keys);
    }

    [Fact]
    public void Backbones_Forward_GivePooledFeatures()
    {
        using var scope = torch.NewDisposeScope();
        using var tiny = NetworkFactory.CreateBackbone(new ModelOptions { Backbone = "tiny-cnn" }, 1);
        Assert.Equal(new long[] { 2, 256 }, tiny.call(torch.randn(2, 3, 16, 16)).shape);
        using var r18 = NetworkFactory.CreateBackbone(new ModelOptions { Backbone = "resnet18-cifar" }, 1);
        Assert.Equal(new long[] { 2, 512 }, r18.call(torch.randn(2, 3, 8, 8)).shape);
    }

    [Fact]
    public void Network_HeadKeys_FollowPyTorchSequentialNames()
    {
        using var net = NetworkFactory.CreateNetwork(new ModelOptions { Backbone = "tiny-cnn", ProjectorHidden = 16, ProjectorOut = 8, PredictorHidden = 16 }, 0);
        var keys = StateDictOrder.Entries(net).Select(e => e.Key).ToList();
        Assert.Contains("backbone.conv1.weight", keys);
        Assert.Contains("projector.0.weight", keys);
        Assert.Contains("projector.7.running_var", keys);
        Assert.Contains("predictor.3.bias", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("projector.2", StringComparison.Ordinal)); // ReLU has no state
    }

    [Fact]
    public void CreateNetwork_SameSeed_SameWeights()
    {
        var o = new ModelOptions { Backbone = "tiny-cnn", ProjectorHidden = 16, ProjectorOut = 8, PredictorHidden = 16 };
        using var a = NetworkFactory.CreateNetwork(o, 5);
        using var b = NetworkFactory.CreateNetwork(o, 5);
        using var c = NetworkFactory.CreateNetwork(o, 6);
        var ea = StateDictOrder.Entries(a); var eb = StateDictOrder.Entries(b); var ec = StateDictOrder.Entries(c);
        Assert.All(ea.Zip(eb), p => Assert.True(Bits.Equal(p.First.Tensor, p.Second.Tensor), p.First.Key));
        Assert.False(Bits.Equal(ea[0].Tensor, ec[0].Tensor));
    }
}
