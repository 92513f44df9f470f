namespace Nnclr.Host.Tests.Integration;

/// <summary>Training processes use both cores: the tests that start them run one at a time.</summary>
[CollectionDefinition("train-process", DisableParallelization = true)]
public sealed class TrainProcessCollection;

/// <summary>
/// The demo run (about two minutes) has a collection of its own: it runs beside the train-process collection, whose
/// tests are mostly short process launches that leave a core idle, instead of after them.
/// </summary>
[CollectionDefinition("demo-process", DisableParallelization = true)]
public sealed class DemoProcessCollection;
