namespace Nnclr.Pipeline.Metrics;

/// <summary>One stage's counters at a point in time. Times are seconds of the stage thread's wall clock.</summary>
/// <param name="Name">Stage name.</param>
/// <param name="Items">Batches finished.</param>
/// <param name="WallSeconds">Since the stage thread started (until it ended).</param>
/// <param name="BusySeconds">Wall time not spent waiting on input or output.</param>
/// <param name="InputWaitSeconds">Time blocked waiting for an item from upstream.</param>
/// <param name="OutputWaitSeconds">Time blocked waiting for room downstream (a free slot, a full channel).</param>
/// <param name="QueueDepth">Items waiting in the stage's input channel now.</param>
/// <param name="AllocatedBytesPerItem">Managed bytes the stage thread allocated per item after the first; NaN before the second.</param>
public sealed record StageSnapshot(
    string Name, long Items, double WallSeconds, double BusySeconds, double InputWaitSeconds,
    double OutputWaitSeconds, int QueueDepth, double AllocatedBytesPerItem)
{
    /// <summary>Items per second of wall time.</summary>
    public double ItemsPerSecond => WallSeconds > 0 ? Items / WallSeconds : 0;

    /// <summary>Fraction of wall time busy, 0–1.</summary>
    public double BusyFraction => WallSeconds > 0 ? BusySeconds / WallSeconds : 0;

    /// <summary>Fraction of wall time blocked on input, 0–1.</summary>
    public double InputWaitFraction => WallSeconds > 0 ? InputWaitSeconds / WallSeconds : 0;

    /// <summary>Fraction of wall time blocked on output, 0–1.</summary>
    public double OutputWaitFraction => WallSeconds > 0 ? OutputWaitSeconds / WallSeconds : 0;
}
