using Nnclr.Pipeline.Metrics;

namespace Nnclr.Pipeline.Session;

/// <summary>What <see cref="PipelineBenchmark"/> measured.</summary>
/// <param name="Settings">The pipeline's settings (batch, view size, augment threads).</param>
/// <param name="ImagesPerSecond">Throughput after the warm-up fifth.</param>
/// <param name="SyntheticImagesPerSecond">The synthetic step's images/s at the same batch; null with the stand-in step.</param>
/// <param name="Report">The per-stage report and bottleneck.</param>
public sealed record PipelineBenchmarkResult(PipelineSettings Settings, double ImagesPerSecond, double? SyntheticImagesPerSecond, StageReport Report);
