namespace Nnclr.Pipeline;

/// <summary>
/// Shared stop/failure state of one pipeline run. The first real failure wins and closes every channel
/// with its exception (errors travel with completion); later exceptions are consequences and are dropped.
/// </summary>
internal sealed class PipelineControl
{
    // Guards _failure/_failedStage.
    private readonly object _gate = new();
    // Closers of the channels and slot pools feeding the train stage (read → augment → upload → train).
    private readonly List<Action<Exception>> _upstream = [];
    // Closer of the train → checkpoint channel; closed on failure only when the checkpoint stage itself failed.
    private Action<Exception>? _checkpoint;
    // The first failure; null while none.
    private Exception? _failure;
    // The stage that failed first; null while none.
    private string? _failedStage;
    // True once a graceful stop was requested.
    private volatile bool _stopRequested;
    // Closer of the train stage's input, completed (without error) on a stop request so a waiting train wakes.
    private Action? _wakeTrain;

    public bool StopRequested => _stopRequested;

    public Exception? Failure { get { lock (_gate) return _failure; } }

    public string? FailedStage { get { lock (_gate) return _failedStage; } }

    public void AddUpstream(Action<Exception> close) => _upstream.Add(close);

    public void SetCheckpoint(Action<Exception> close) => _checkpoint = close;

    public void SetTrainWake(Action wake) => _wakeTrain = wake;

    /// <summary>Graceful stop: the train stage finishes its step, checkpoints, and the rest is closed.</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        _wakeTrain?.Invoke();
    }

    /// <summary>Records a stage's exception; the first real one stops the whole pipeline.</summary>
    public void Fail(string stage, string checkpointStage, Exception error)
    {
        if (error is PipelineStoppedException) return;
        lock (_gate)
        {
            if (_failure is not null) return;
            _failure = error;
            _failedStage = stage;
        }
        CloseUpstream(error);
        if (stage == checkpointStage) _checkpoint?.Invoke(error);
    }

    /// <summary>Wakes and ends every stage upstream of training.</summary>
    public void CloseUpstream(Exception error)
    {
        foreach (var close in _upstream) close(error);
    }
}
