using Nnclr.Pipeline.Metrics;

namespace Nnclr.Pipeline.Ports;

/// <summary>Training metrics of one log interval (means over its steps) and the stages' state.</summary>
/// <param name="Step">Steps completed at the end of the interval.</param>
/// <param name="Epoch">The epoch of the interval's last batch.</param>
/// <param name="Loss">Mean loss over the interval.</param>
/// <param name="NnAccuracy">Fraction of nearest neighbours with the sample's label over the interval.</param>
/// <param name="LearningRate">Learning rate of the last step.</param>
/// <param name="ImagesPerSecond">Training images per second over the interval (one image = two views).</param>
/// <param name="Stages">Per-stage counters since the pipeline started.</param>
/// <param name="OnlineTop1">Training top-1 of the online linear probe over the interval (0–1); NaN when it is off.</param>
public sealed record IntervalMetrics(
    long Step, long Epoch, double Loss, double NnAccuracy, double LearningRate,
    double ImagesPerSecond, StageReport Stages, double OnlineTop1 = double.NaN);
