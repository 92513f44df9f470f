using System.Diagnostics;
using System.Threading.Channels;
using Nnclr.Pipeline.Channels;
using Nnclr.Pipeline.Ports;
using Nnclr.Pipeline.Slots;

namespace Nnclr.Pipeline.Stages;

/// <summary>
/// First stage: takes a free raw slot, has the source fill it with one batch (shard read + LZ4 decode +
/// epoch permutation live behind <see cref="IBatchSource"/>), and passes the slot on with the cursor after it.
/// Produces exactly the batches of steps [first, end).
/// </summary>
internal sealed class ShardReadStage : Stage
{
    // The data port; called from this thread only.
    private readonly IBatchSource _source;
    // Slots this stage fills; the augment stage gives them back.
    private readonly RawSlotRing _ring;
    // To the augment stage.
    private readonly ChannelWriter<BatchTicket> _output;
    // Samples per batch.
    private readonly int _batchSize;
    // First step to produce (the resumed step, 0 on a fresh run).
    private readonly long _firstStep;
    // One past the last step to produce.
    private readonly long _endStep;
    // Set when samples are encoded records: the same source, read through its encoded call.
    private readonly IEncodedBatchSource? _encoded;

    public ShardReadStage(PipelineControl control, IBatchSource source, RawSlotRing ring, ChannelWriter<BatchTicket> output,
        int batchSize, long firstStep, long endStep) : base("read", control, null)
    {
        (_source, _ring, _output, _batchSize, _firstStep, _endStep) = (source, ring, output, batchSize, firstStep, endStep);
    }

    /// <summary>A read stage for encoded records (JPEG): the source must be an <see cref="IEncodedBatchSource"/>.</summary>
    public ShardReadStage(PipelineControl control, IBatchSource source, RawSlotRing ring, ChannelWriter<BatchTicket> output,
        int batchSize, long firstStep, long endStep, bool encoded) : this(control, source, ring, output, batchSize, firstStep, endStep)
    {
        if (encoded)
            _encoded = source as IEncodedBatchSource
                ?? throw new ArgumentException($"the batch geometry holds encoded records but the source ({source.GetType().Name}) cannot read them");
    }

    protected override void Execute(ThreadWaiter waiter)
    {
        for (long step = _firstStep; step < _endStep && !Control.StopRequested; step++)
        {
            long t = Metrics.BeginOutputWait();
            int slot = _ring.Pool.Acquire(waiter);
            Metrics.AddOutputWait(t);
            var raw = _ring[slot];
            long epoch = _encoded is null
                ? _source.ReadBatch(_batchSize, raw.Images, raw.Labels, raw.Keys)
                : _encoded.ReadEncodedBatch(_batchSize, raw.Images, raw.BytesPerImage, raw.Lengths, raw.Labels, raw.Keys);
            var ticket = new BatchTicket(slot, step, _batchSize, epoch, _source.Cursor);
            t = Metrics.BeginOutputWait();
            waiter.Put(_output, ticket);
            Metrics.AddOutputWait(t);
            Metrics.ItemDone();
        }
    }

    protected override void Finish(Exception? error, ThreadWaiter waiter) => _output.TryComplete(error);
}
