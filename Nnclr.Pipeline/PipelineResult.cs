using Nnclr.Data.Shards;
using Nnclr.Model;
using Nnclr.Pipeline.Metrics;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline;

/// <summary>How a pipeline run ended.</summary>
/// <param name="Steps">Steps completed in total (start step included).</param>
/// <param name="Cursor">Data cursor after the last trained batch.</param>
/// <param name="Stopped">True when a stop request ended the run before <see cref="PipelineSettings.TotalSteps"/>.</param>
/// <param name="LastLoss">Mean loss of the last log interval; NaN when none was logged.</param>
/// <param name="LastNnAccuracy">NN accuracy of the last log interval; NaN when none was logged.</param>
/// <param name="LastCheckpoint">The last checkpoint written, if any.</param>
/// <param name="ElapsedSeconds">Wall time of the run.</param>
/// <param name="Report">Final per-stage counters and the bottleneck.</param>
public sealed record PipelineResult(
    long Steps, DataCursor Cursor, bool Stopped, double LastLoss, double LastNnAccuracy,
    CheckpointMeta? LastCheckpoint, double ElapsedSeconds, StageReport Report);
