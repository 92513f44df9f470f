namespace Nnclr.Pipeline.Evaluation;

/// <summary>
/// The evaluation and embedding loop: [0, count) in batches, batch b + 1 prepared into one of two buffers on a worker
/// task while batch b is consumed from the other on the calling thread (the thread that owns the network).
/// </summary>
internal static class PrefetchedBatches
{
    /// <summary>
    /// <paramref name="prepare"/>(start, n, buffer) fills a buffer of batchSize·<paramref name="per"/> floats;
    /// <paramref name="consume"/>(start, n, buffer) reads it. Cancellation is checked between batches; a failed or
    /// cancelled run still waits for the worker filling the other buffer before returning.
    /// </summary>
    public static void Run(int count, int batchSize, int per, Action<int, int, float[]> prepare, Action<int, int, float[]> consume,
        CancellationToken cancel)
    {
        var buffers = new[] { new float[batchSize * per], new float[batchSize * per] };
        Task? next = null;
        try
        {
            if (count > 0) next = Task.Run(() => prepare(0, Math.Min(batchSize, count), buffers[0]), cancel);
            for (int start = 0, b = 0; start < count; start += batchSize, b++)
            {
                int n = Math.Min(batchSize, count - start);
                next!.GetAwaiter().GetResult();
                cancel.ThrowIfCancellationRequested();
                // Both captured per iteration: the for-loop's own `b` is one variable, advanced before the task may run.
                int following = start + batchSize;
                var target = buffers[(b + 1) & 1];
                next = following < count
                    ? Task.Run(() => prepare(following, Math.Min(batchSize, count - following), target), cancel)
                    : null;
                consume(start, n, buffers[b & 1]);
            }
        }
        finally
        {
            try { next?.Wait(CancellationToken.None); } catch (AggregateException) { }
        }
    }
}
