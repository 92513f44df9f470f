namespace Nnclr.Pipeline.Stages;

/// <summary>
/// A reusable countdown for fork/join that never allocates (CountdownEvent's inner ManualResetEventSlim
/// allocates its lock on the first real wait, mid-run).
/// </summary>
internal sealed class Countdown
{
    // Monitor for _remaining.
    private readonly object _gate = new();
    // Signals still expected before Wait returns; guarded by _gate.
    private int _remaining;

    public void Reset(int count)
    {
        lock (_gate) _remaining = count;
    }

    public void Signal()
    {
        lock (_gate)
        {
            if (--_remaining == 0) Monitor.PulseAll(_gate);
        }
    }

    public void Wait()
    {
        lock (_gate)
        {
            while (_remaining > 0) Monitor.Wait(_gate);
        }
    }
}
