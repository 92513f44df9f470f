namespace Nnclr.Host.Tests.Integration;

/// <summary>Training processes use both cores: the tests that start them run one at a time.</summary>
[CollectionDefinition("train-process", DisableParallelization = true)]
public sealed class TrainProcessCollection;
