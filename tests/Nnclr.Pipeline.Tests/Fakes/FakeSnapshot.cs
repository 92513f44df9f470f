using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Tests.Fakes;

public sealed record FakeSnapshot(long Weights) : ITrainSnapshot;
