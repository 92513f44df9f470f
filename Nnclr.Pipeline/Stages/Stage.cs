using Nnclr.Pipeline.Channels;
using Nnclr.Pipeline.Metrics;

namespace Nnclr.Pipeline.Stages;

/// <summary>
/// A pipeline stage: one dedicated thread running <see cref="Execute"/>, then <see cref="Finish"/> with
/// the error that ended it (null at end of stream). Exceptions go to the pipeline control, which stops
/// everything; nothing is swallowed.
/// </summary>
internal abstract class Stage
{
    /// <summary>Name of the checkpoint stage (its failure also closes its own input).</summary>
    public const string CheckpointName = "checkpoint";

    // The run's shared stop/failure state.
    protected readonly PipelineControl Control;

    protected Stage(string name, PipelineControl control, Func<int>? inputDepth)
    {
        Name = name;
        Control = control;
        Metrics = new StageMetrics(name, inputDepth);
    }

    public string Name { get; }

    public StageMetrics Metrics { get; }

    /// <summary>The stage's loop; returns at end of input, throws on failure or when the pipeline closed.</summary>
    protected abstract void Execute(ThreadWaiter waiter);

    /// <summary>Completes the stage's outputs; <paramref name="error"/> is what ended Execute, or null.</summary>
    protected abstract void Finish(Exception? error, ThreadWaiter waiter);

    /// <summary>Starts the stage's thread; <paramref name="exited"/> runs on it last.</summary>
    public Thread Start(Action exited)
    {
        var thread = new Thread(() => Run(exited)) { IsBackground = true, Name = "nnclr-" + Name };
        thread.Start();
        return thread;
    }

    private void Run(Action exited)
    {
        using var waiter = new ThreadWaiter();
        Exception? error = null;
        Metrics.Start();
        try { Execute(waiter); }
        catch (Exception e) { error = e; Fail(e); }
        try { Finish(error, waiter); }
        catch (Exception e) { Fail(e); }
        finally
        {
            Metrics.End();
            exited();
        }
    }

    protected void Fail(Exception e) => Control.Fail(Name, CheckpointName, e);
}
