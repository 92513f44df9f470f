namespace Nnclr.Host.Tests.Integration;

/// <summary>
/// Tests that start nnclr processes run one at a time within this collection; the collection itself runs beside the
/// others (xunit runs at most as many collections at once as there are cores).
/// </summary>
[CollectionDefinition("train-process")]
public sealed class TrainProcessCollection;

/// <summary>
/// The two long trainings (the demo, about two minutes; the duplicate finder's encoder) have a collection of their
/// own: it runs beside the train-process collection, whose tests are mostly short process launches that leave a core
/// idle, instead of after them.
/// </summary>
[CollectionDefinition("long-runs")]
public sealed class LongRunsCollection;
