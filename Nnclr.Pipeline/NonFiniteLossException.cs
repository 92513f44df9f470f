namespace Nnclr.Pipeline;

/// <summary>The loss became NaN or infinite; training stops (no checkpoint of the damaged state is written).</summary>
public sealed class NonFiniteLossException(long firstStep, long lastStep, double loss)
    : Exception($"loss is {loss} over steps {firstStep}–{lastStep}: training diverged (lower the learning rate, or resume from the last checkpoint)")
{
    /// <summary>The first step of the log interval in which the loss was not finite.</summary>
    public long FirstStep { get; } = firstStep;

    /// <summary>The step at which it was detected.</summary>
    public long LastStep { get; } = lastStep;
}
