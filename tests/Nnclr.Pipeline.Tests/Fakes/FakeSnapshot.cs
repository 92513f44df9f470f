using Nnclr.Model;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Tests.Fakes;

/// <summary>A fake trainer's snapshot: a state of one int64 scalar, the fake's running hash of what it trained on.</summary>
public static class FakeSnapshot
{
    // The state tensor holding the hash.
    private const string Name = "fake.weights";

    public static TrainerSnapshot Of(long weights) => new(new TrainerState([StateTensor.Scalar(Name, weights)]));

    public static long Weights(TrainerSnapshot snapshot) => snapshot.State[Name].AsInt64();
}
