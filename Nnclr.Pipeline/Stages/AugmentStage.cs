using System.Diagnostics;
using System.Threading.Channels;
using Nnclr.Pipeline.Channels;
using Nnclr.Pipeline.Ports;
using Nnclr.Pipeline.Slots;

namespace Nnclr.Pipeline.Stages;

/// <summary>
/// Parallel decode + two-view augmentation. The stage thread takes a raw batch and a free views slot, then
/// it and its helper threads pull samples off a shared counter and write each sample's two views straight
/// into the slot's tensor memory. Working on one batch at a time with all threads keeps batches in order
/// (step s is always batch s, which exact resume needs) and the latency of a batch low. Nothing is allocated
/// per batch: the fork/join uses a semaphore and a countdown event created once.
/// </summary>
internal sealed class AugmentStage : Stage
{
    // Samples a thread claims at once from the shared counter.
    private const int Chunk = 4;

    // Raw slots read here and given back once augmented.
    private readonly RawSlotRing _rawRing;
    // Host views slots written here.
    private readonly ViewSlotRing _viewRing;
    // From the read stage.
    private readonly ChannelReader<BatchTicket> _input;
    // To the upload stage.
    private readonly ChannelWriter<BatchTicket> _output;
    // One worker per thread, index 0 for the stage thread; each used by its thread only.
    private readonly IAugmentWorker[] _workers;
    // Released once per helper per batch to start it.
    private readonly SemaphoreSlim _go = new(0);
    // Signalled by each helper when it has finished its share of the current batch.
    private readonly Countdown _done = new();
    // The raw batch being augmented; set by the stage thread before releasing _go.
    private RawSlot? _raw;
    // The views slot being written; set with _raw.
    private ViewSlot? _views;
    // Epoch of the batch being augmented.
    private long _epoch;
    // Samples in the batch being augmented.
    private int _count;
    // Next unclaimed sample index; advanced with Interlocked.Add.
    private int _next;
    // First exception a helper hit on the current batch; rethrown by the stage thread.
    private Exception? _helperError;
    // Set when helpers must exit.
    private volatile bool _quit;

    public AugmentStage(PipelineControl control, IViewAugmenter augmenter, int threads, RawSlotRing rawRing, ViewSlotRing viewRing,
        ChannelReader<BatchTicket> input, ChannelWriter<BatchTicket> output) : base("augment", control, () => input.Count)
    {
        (_rawRing, _viewRing, _input, _output) = (rawRing, viewRing, input, output);
        _workers = new IAugmentWorker[Math.Max(1, threads)];
        for (int i = 0; i < _workers.Length; i++) _workers[i] = augmenter.CreateWorker();
    }

    protected override void Execute(ThreadWaiter waiter)
    {
        var helpers = new Thread[_workers.Length - 1];
        for (int i = 0; i < helpers.Length; i++)
        {
            int index = i + 1;
            helpers[i] = new Thread(() => HelperLoop(index)) { IsBackground = true, Name = $"nnclr-augment-{index}" };
            helpers[i].Start();
        }
        try
        {
            while (true)
            {
                long t = Metrics.BeginInputWait();
                bool got = waiter.TryTake(_input, out var ticket);
                Metrics.AddInputWait(t);
                if (!got) return;
                t = Metrics.BeginOutputWait();
                int viewSlot = _viewRing.Pool.Acquire(waiter);
                Metrics.AddOutputWait(t);
                AugmentBatch(_rawRing[ticket.Slot], _viewRing[viewSlot], ticket.Epoch, ticket.Count, helpers.Length);
                _rawRing.Pool.Release(ticket.Slot);
                t = Metrics.BeginOutputWait();
                waiter.Put(_output, ticket with { Slot = viewSlot });
                Metrics.AddOutputWait(t);
                Metrics.ItemDone();
            }
        }
        finally
        {
            _quit = true;
            if (helpers.Length > 0) _go.Release(helpers.Length);
            foreach (var h in helpers) h.Join();
        }
    }

    private void AugmentBatch(RawSlot raw, ViewSlot views, long epoch, int count, int helpers)
    {
        (_raw, _views, _epoch, _count, _next, _helperError) = (raw, views, epoch, count, 0, null);
        _done.Reset(helpers + 1);
        if (helpers > 0) _go.Release(helpers);
        Work(0);
        _done.Wait();
        if (_helperError is { } e) throw e;
    }

    private void HelperLoop(int index)
    {
        while (true)
        {
            _go.Wait();
            if (_quit) return;
            Work(index);
        }
    }

    private void Work(int index)
    {
        try
        {
            var worker = _workers[index];
            var raw = _raw!;
            var views = _views!;
            int start;
            while ((start = Interlocked.Add(ref _next, Chunk) - Chunk) < _count)
            {
                int end = Math.Min(start + Chunk, _count);
                for (int i = start; i < end; i++)
                {
                    worker.Augment(raw.Image(i), _epoch, raw.Keys[i], views.View1(i), views.View2(i));
                    views.SetLabel(i, raw.Labels[i]);
                }
            }
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _helperError, e, null);
        }
        finally
        {
            _done.Signal();
        }
    }

    protected override void Finish(Exception? error, ThreadWaiter waiter) => _output.TryComplete(error);
}
