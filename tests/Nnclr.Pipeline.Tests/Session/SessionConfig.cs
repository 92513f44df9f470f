using Nnclr.Model;
using Nnclr.Pipeline.Configuration;

namespace Nnclr.Pipeline.Tests.Session;

/// <summary>A training configuration built by hand, as Host's binding would: small batches, frequent logs and checkpoints.</summary>
public sealed record SessionConfig(string Dir, long MaxSteps, string OnNonFiniteLoss = "stop") : TrainingConfig(
    new DataOptions(), new AugmentOptions(), new ModelOptions(), new OptimOptions { BatchSize = PipelineHarness.Batch }, new NnclrOptions(),
    new PipelineOptions { AugmentThreads = 2 }, new CheckpointOptions { EverySteps = 10 }, new EvalOptions(),
    new RunOptions { Preset = "session-test", MaxSteps = MaxSteps, LogEvery = 5, OnNonFiniteLoss = OnNonFiniteLoss })
{
    public override string RunDir => Dir;
    public override string ResolveDevice() => "cpu";
    public override string ToJson() => "{}";
}
