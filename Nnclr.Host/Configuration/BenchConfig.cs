using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Model.Runtime;

namespace Nnclr.Host.Configuration;

/// <summary>The configuration a benchmark runs with: a preset plus the common flags, resolved like `train`'s.</summary>
public static class BenchConfig
{
    /// <summary>Reads --preset, --batch-size, --precision, --channels-last, --device, --data, --augment-threads, --set.</summary>
    public static ResolvedConfig Resolve(CliArgs args, out string device, IDictionary<string, string?>? extra = null)
    {
        var preset = args.String("preset");
        var deviceFlag = args.String("device") ?? "auto";
        var o = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (args.Int("batch-size") is { } b) o["Optim:BatchSize"] = b.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (args.String("precision") is { } p) o["Model:Precision"] = p;
        if (args.String("channels-last") is { } c) o["Model:ChannelsLast"] = c;
        if (args.String("data") is { } d) o["Data:Dir"] = d;
        if (args.Int("augment-threads") is { } t) o["Pipeline:AugmentThreads"] = t.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var set in args.Strings("set")) TrainFlags.ParseSet(set, o);
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) o[k] = v;
        o["Pipeline:Device"] = deviceFlag;
        bool cuda = TorchRuntime.ResolveDevice("auto") != "cpu";
        var cfg = NnclrConfiguration.Resolve(new TrainFlags { Preset = preset ?? (cuda ? "cifar10-resnet18" : "cpu-smoke"), Overrides = o });
        device = cfg.ResolveDevice();
        return cfg;
    }
}
