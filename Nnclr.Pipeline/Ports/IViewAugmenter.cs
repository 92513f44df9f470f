namespace Nnclr.Pipeline.Ports;

/// <summary>
/// The two-view augmentation port (adapter over Nnclr.Data's TwoViewAugmenter). Thread-safe: the augment
/// stage creates one <see cref="IAugmentWorker"/> per thread, each owning its own scratch memory.
/// </summary>
public interface IViewAugmenter
{
    /// <summary>A worker with its own scratch; used by one thread only.</summary>
    IAugmentWorker CreateWorker();
}
