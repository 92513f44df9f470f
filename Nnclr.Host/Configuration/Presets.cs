namespace Nnclr.Host.Configuration;

/// <summary>
/// Named default sets, the lowest layer of configuration (then --config FILE, NNCLR_* variables, flags).
/// Values follow docs/DESIGN.md: solo-learn's CIFAR recipe for the GPU preset, the measured 2-core
/// reference (tiny CNN, |Q| 8192, 3 epochs ≈ +10 kNN points) for cpu-smoke.
/// </summary>
public static class Presets
{
    /// <summary>Preset names, as accepted by --preset.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cifar10-resnet18", "stl10-resnet18", "imagenet100-resnet18", "cpu-smoke", "demo"];

    /// <summary>The configuration keys a preset sets; throws naming the valid presets for an unknown one.</summary>
    public static IReadOnlyDictionary<string, string?> Values(string preset) => preset switch
    {
        "cifar10-resnet18" => Build(preset, new()
        {
            ["Data:Dataset"] = "cifar10",
            ["Augment:Policy"] = "cifar",
            ["Model:Backbone"] = "resnet18-cifar",
            ["Model:ProjectorHidden"] = "2048", ["Model:ProjectorOut"] = "256", ["Model:PredictorHidden"] = "4096",
            ["Model:Precision"] = "bf16", ["Model:ChannelsLast"] = "true",
            ["Optim:Optimizer"] = "lars", ["Optim:BatchSize"] = "512", ["Optim:LearningRate"] = "0.4",
            ["Optim:WeightDecay"] = "1e-5", ["Optim:LarsEta"] = "0.02", ["Optim:WarmupEpochs"] = "10", ["Optim:Epochs"] = "200",
            ["Nnclr:Temperature"] = "0.2", ["Nnclr:SupportSetSize"] = "65536",
            ["Pipeline:Device"] = "cuda", // meant for a GPU: no silent CPU training (--device cpu to insist)
            ["Checkpoint:EverySteps"] = "1000",
            ["Eval:KnnEveryEpochs"] = "10",
            ["Run:LogEvery"] = "50",
        }),
        // STL-10 at its native 96 px: self-supervised on the 100,000 unlabelled images (Data:TrainSplit), kNN with the
        // labelled train split against test. BYOL's augmentations (blur 1.0/0.1, solarize 0/0.2), the CIFAR recipe's optimiser.
        "stl10-resnet18" => Build(preset, new()
        {
            ["Data:Dataset"] = "stl10", ["Data:TrainSplit"] = "train+unlabelled",
            ["Augment:Policy"] = "byol", ["Augment:ViewSize"] = "96", ["Augment:MinCropArea"] = "0.08",
            ["Model:Backbone"] = "resnet18",
            ["Model:ProjectorHidden"] = "2048", ["Model:ProjectorOut"] = "256", ["Model:PredictorHidden"] = "4096",
            ["Model:Precision"] = "bf16", ["Model:ChannelsLast"] = "true",
            ["Optim:Optimizer"] = "lars", ["Optim:BatchSize"] = "256", ["Optim:LearningRate"] = "0.4",
            ["Optim:WeightDecay"] = "1e-5", ["Optim:LarsEta"] = "0.02", ["Optim:WarmupEpochs"] = "10", ["Optim:Epochs"] = "200",
            ["Nnclr:Temperature"] = "0.2", ["Nnclr:SupportSetSize"] = "65536",
            ["Pipeline:Device"] = "cuda",
            ["Checkpoint:EverySteps"] = "1000",
            ["Eval:KnnEveryEpochs"] = "10",
            ["Run:LogEvery"] = "50",
        }),
        // solo-learn's imagenet-100 NNCLR recipe on one GPU (theirs: 128 on each of 2 GPUs): 224 px, batch 256, LARS lr 0.4
        // η 0.02 wd 1e-5, τ 0.2, queue 65,536, 400 epochs, blur 1.0/0.1, solarize 0/0.2. Ingest ImageNet-100 with --format jpeg.
        "imagenet100-resnet18" => Build(preset, new()
        {
            ["Data:Dataset"] = "imagenet100",
            ["Augment:Policy"] = "byol", ["Augment:ViewSize"] = "224", ["Augment:MinCropArea"] = "0.08",
            ["Model:Backbone"] = "resnet18",
            ["Model:ProjectorHidden"] = "2048", ["Model:ProjectorOut"] = "256", ["Model:PredictorHidden"] = "4096",
            ["Model:Precision"] = "bf16", ["Model:ChannelsLast"] = "true",
            ["Optim:Optimizer"] = "lars", ["Optim:BatchSize"] = "256", ["Optim:LearningRate"] = "0.4",
            ["Optim:WeightDecay"] = "1e-5", ["Optim:LarsEta"] = "0.02", ["Optim:WarmupEpochs"] = "10", ["Optim:Epochs"] = "400",
            ["Nnclr:Temperature"] = "0.2", ["Nnclr:SupportSetSize"] = "65536",
            ["Pipeline:Device"] = "cuda",
            ["Checkpoint:EverySteps"] = "1000",
            ["Eval:KnnEveryEpochs"] = "20",
            ["Run:LogEvery"] = "50",
        }),
        "cpu-smoke" => Build(preset, new()
        {
            ["Data:Dataset"] = "cifar10",
            ["Augment:Policy"] = "cifar",
            ["Model:Backbone"] = "tiny-cnn",
            ["Model:ProjectorHidden"] = "1024", ["Model:ProjectorOut"] = "128", ["Model:PredictorHidden"] = "1024",
            ["Model:Precision"] = "fp32", ["Model:ChannelsLast"] = "false",
            ["Optim:Optimizer"] = "lars", ["Optim:BatchSize"] = "256", ["Optim:LearningRate"] = "0.4",
            ["Optim:WeightDecay"] = "1e-5", ["Optim:LarsEta"] = "0.02", ["Optim:WarmupEpochs"] = "0", ["Optim:Epochs"] = "3",
            ["Nnclr:Temperature"] = "0.2", ["Nnclr:SupportSetSize"] = "8192",
            ["Pipeline:Device"] = "cpu",
            ["Checkpoint:EverySteps"] = "100",
            ["Eval:KnnEveryEpochs"] = "0",
            ["Run:LogEvery"] = "10",
        }),
        "demo" => Build(preset, new()
        {
            ["Data:Dataset"] = "demo",
            ["Augment:Policy"] = "cifar", ["Augment:MinCropArea"] = "0.3",
            ["Model:Backbone"] = "tiny-cnn",
            ["Model:ProjectorHidden"] = "512", ["Model:ProjectorOut"] = "128", ["Model:PredictorHidden"] = "512",
            ["Model:Precision"] = "fp32", ["Model:ChannelsLast"] = "false",
            ["Optim:Optimizer"] = "lars", ["Optim:BatchSize"] = "128", ["Optim:LearningRate"] = "0.4",
            // One warm-up epoch: at full rate from step 0, while the support set still holds its random rows (its first
            // 32 steps), the tiny CNN's features collapse onto colour and some seeds never recover (issue 27).
            ["Optim:WeightDecay"] = "1e-5", ["Optim:LarsEta"] = "0.02", ["Optim:WarmupEpochs"] = "1", ["Optim:Epochs"] = "6",
            ["Nnclr:Temperature"] = "0.2", ["Nnclr:SupportSetSize"] = "4096",
            ["Pipeline:Device"] = "auto",
            ["Checkpoint:EverySteps"] = "100",
            ["Eval:KnnEveryEpochs"] = "0",
            ["Run:LogEvery"] = "10",
        }),
        _ => throw new ConfigurationException($"unknown preset '{preset}'; choose one of: {string.Join(", ", Names)}"),
    };

    /// <summary>True for a preset meant for a GPU: it sets Pipeline:Device to cuda, so it never falls back to the CPU silently.</summary>
    public static bool MeantForGpu(string preset) =>
        Names.Contains(preset) && Values(preset).TryGetValue("Pipeline:Device", out var d) && d is not null && d.StartsWith("cuda", StringComparison.Ordinal);

    private static Dictionary<string, string?> Build(string preset, Dictionary<string, string?> values)
    {
        values["Run:Preset"] = preset;
        return values;
    }
}
