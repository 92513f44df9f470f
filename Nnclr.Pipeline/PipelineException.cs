namespace Nnclr.Pipeline;

/// <summary>A stage failed; the pipeline stopped. The message names the stage and the cause, once.</summary>
public sealed class PipelineException(string stage, Exception inner)
    : Exception($"pipeline stage '{stage}' failed: {inner.Message}", inner)
{
    /// <summary>The name of the stage that failed first.</summary>
    public string Stage { get; } = stage;
}
