using System.Diagnostics;

namespace Nnclr.Pipeline.Metrics;

/// <summary>
/// Live counters of one stage. Written by the stage's own thread only (plain volatile writes, no locks),
/// read by anyone through <see cref="Snapshot"/>. Recording allocates nothing.
/// </summary>
public sealed class StageMetrics
{
    // Stopwatch timestamp when the stage thread started; 0 before.
    private long _started;
    // Stopwatch timestamp when the stage thread ended; 0 while it runs.
    private long _ended;
    // Items (batches) the stage has finished.
    private long _items;
    // Stopwatch ticks spent waiting for input (an item from upstream).
    private long _inputWait;
    // Stopwatch ticks spent waiting for output room (a free slot or a full channel downstream).
    private long _outputWait;
    // Bytes the stage thread allocated after its first item (warm-up excluded); -1 before that.
    private long _steadyAllocated = -1;
    // GC.GetAllocatedBytesForCurrentThread() on the stage thread after its first item.
    private long _allocBaseline;
    // Stopwatch timestamp when the wait for input now in progress began; 0 when not waiting for input.
    private long _inputWaitSince;
    // Stopwatch timestamp when the wait for output room now in progress began; 0 when not waiting for output.
    private long _outputWaitSince;
    // The channel this stage reads from, to sample its depth; null for the first stage.
    private readonly Func<int>? _inputDepth;

    public StageMetrics(string name, Func<int>? inputDepth)
    {
        Name = name;
        _inputDepth = inputDepth;
    }

    /// <summary>The stage's name, e.g. "read".</summary>
    public string Name { get; }

    internal void Start() => Volatile.Write(ref _started, Stopwatch.GetTimestamp());

    internal void End() => Volatile.Write(ref _ended, Stopwatch.GetTimestamp());

    /// <summary>Marks the start of a wait for input (seen by <see cref="Snapshot"/> while it lasts); pass the result to <see cref="AddInputWait"/>.</summary>
    internal long BeginInputWait()
    {
        long now = Stopwatch.GetTimestamp();
        Volatile.Write(ref _inputWaitSince, now);
        return now;
    }

    /// <summary>Marks the start of a wait for output room; pass the result to <see cref="AddOutputWait"/>.</summary>
    internal long BeginOutputWait()
    {
        long now = Stopwatch.GetTimestamp();
        Volatile.Write(ref _outputWaitSince, now);
        return now;
    }

    // The "since" mark is cleared before the total grows, and Snapshot reads the total before the mark: a wait is
    // never counted twice (at worst a just-ended wait is missed for one observation).
    internal void AddInputWait(long since)
    {
        Volatile.Write(ref _inputWaitSince, 0);
        Volatile.Write(ref _inputWait, _inputWait + (Stopwatch.GetTimestamp() - since));
    }

    internal void AddOutputWait(long since)
    {
        Volatile.Write(ref _outputWaitSince, 0);
        Volatile.Write(ref _outputWait, _outputWait + (Stopwatch.GetTimestamp() - since));
    }

    /// <summary>Counts one finished item; call on the stage thread (it also samples the thread's allocations).</summary>
    internal void ItemDone()
    {
        long items = _items + 1;
        Volatile.Write(ref _items, items);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        if (items == 1) _allocBaseline = allocated;
        else Volatile.Write(ref _steadyAllocated, allocated - _allocBaseline);
    }

    /// <summary>A consistent-enough copy of the counters for reports (each field is read atomically).</summary>
    public StageSnapshot Snapshot()
    {
        long started = Volatile.Read(ref _started), ended = Volatile.Read(ref _ended);
        long now = ended != 0 ? ended : Stopwatch.GetTimestamp();
        double wall = started == 0 ? 0 : (now - started) / (double)Stopwatch.Frequency;
        long inTicks = Volatile.Read(ref _inputWait), outTicks = Volatile.Read(ref _outputWait);
        // A wait still in progress is waiting, not busy (a checkpoint stage idle for minutes must not read as busy).
        long inSince = Volatile.Read(ref _inputWaitSince), outSince = Volatile.Read(ref _outputWaitSince);
        if (ended == 0 && inSince != 0) inTicks += Math.Max(0, now - inSince);
        if (ended == 0 && outSince != 0) outTicks += Math.Max(0, now - outSince);
        double inWait = inTicks / (double)Stopwatch.Frequency;
        double outWait = outTicks / (double)Stopwatch.Frequency;
        long items = Volatile.Read(ref _items);
        long steady = Volatile.Read(ref _steadyAllocated);
        return new StageSnapshot(Name, items, wall, Math.Max(0, wall - inWait - outWait), inWait, outWait,
            _inputDepth?.Invoke() ?? 0, items > 1 && steady >= 0 ? steady / (double)(items - 1) : double.NaN);
    }
}
