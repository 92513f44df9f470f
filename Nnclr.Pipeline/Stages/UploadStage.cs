using System.Diagnostics;
using System.Threading.Channels;
using Nnclr.Pipeline.Channels;
using Nnclr.Pipeline.Slots;
using TorchSharp;

namespace Nnclr.Pipeline.Stages;

/// <summary>
/// Moves a views slot to the device. On CUDA: non-blocking copy from the pinned host slot into a free device
/// slot, then the host slot goes back to the augment stage. On CPU the host slot already is the train
/// stage's input, so the ticket passes through and the train stage gives the slot back.
/// </summary>
internal sealed class UploadStage : Stage
{
    // Pinned host slots read here.
    private readonly ViewSlotRing _hostRing;
    // Device slots written here; null on CPU.
    private readonly ViewSlotRing? _deviceRing;
    // From the augment stage.
    private readonly ChannelReader<BatchTicket> _input;
    // To the train stage.
    private readonly ChannelWriter<BatchTicket> _output;

    public UploadStage(PipelineControl control, ViewSlotRing hostRing, ViewSlotRing? deviceRing,
        ChannelReader<BatchTicket> input, ChannelWriter<BatchTicket> output) : base("upload", control, () => input.Count)
    {
        (_hostRing, _deviceRing, _input, _output) = (hostRing, deviceRing, input, output);
    }

    protected override void Execute(ThreadWaiter waiter)
    {
        while (true)
        {
            long t = Metrics.BeginInputWait();
            bool got = waiter.TryTake(_input, out var ticket);
            Metrics.AddInputWait(t);
            if (!got) return;
            if (_deviceRing is null)
            {
                Forward(waiter, ticket);
                continue;
            }
            t = Metrics.BeginOutputWait();
            int slot = _deviceRing.Pool.Acquire(waiter);
            Metrics.AddOutputWait(t);
            int hostSlot = ticket.Slot;
            var host = _hostRing[hostSlot];
            var device = _deviceRing[slot];
            device.Views.copy_(host.Views, nonBlocking: true);
            device.Labels.copy_(host.Labels, nonBlocking: true);
            // Hand the device slot to the train thread at once: everything runs on the one default CUDA stream, so
            // the copy is ordered before the kernels of the step that reads it, and the train thread can queue
            // step s+1 while the GPU still runs step s.
            Forward(waiter, ticket with { Slot = slot });
            // Sync: the pinned host slot may be rewritten only after the DMA has read it, and TorchSharp has no
            // CUDA events to wait for one copy, so wait for the device to drain. This blocks only this thread;
            // the ring keeps the next host slots available to the augment stage meanwhile.
            torch.cuda.synchronize();
            _hostRing.Pool.Release(hostSlot);
        }
    }

    private void Forward(ThreadWaiter waiter, BatchTicket ticket)
    {
        long t = Metrics.BeginOutputWait();
        waiter.Put(_output, ticket);
        Metrics.AddOutputWait(t);
        Metrics.ItemDone();
    }

    protected override void Finish(Exception? error, ThreadWaiter waiter) => _output.TryComplete(error);
}
