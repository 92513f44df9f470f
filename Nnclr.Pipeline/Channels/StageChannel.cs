using System.Threading.Channels;

namespace Nnclr.Pipeline.Channels;

/// <summary>Creates the bounded, single-producer single-consumer channels that link stages.</summary>
internal static class StageChannel
{
    /// <summary>
    /// A bounded channel with <see cref="BoundedChannelFullMode.Wait"/>: a slow consumer holds its producer
    /// back. Synchronous continuations are allowed because the only continuation is a
    /// <see cref="ThreadWaiter"/> setting its event.
    /// </summary>
    public static Channel<T> Create<T>(int capacity) => Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
        SingleWriter = true,
        AllowSynchronousContinuations = true,
    });
}
