namespace Nnclr.Pipeline;

/// <summary>
/// Completes the channels of a pipeline that is stopping (another stage failed, or a stop was requested).
/// A stage that sees it exits quietly: it is a consequence, never the cause.
/// </summary>
public sealed class PipelineStoppedException(string message) : Exception(message);
