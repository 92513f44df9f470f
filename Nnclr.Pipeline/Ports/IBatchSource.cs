using Nnclr.Data.Shards;
namespace Nnclr.Pipeline.Ports;

/// <summary>
/// The shard-read port (adapter over Nnclr.Data's EpochReader). Called from the read stage's thread only.
/// </summary>
public interface IBatchSource
{
    /// <summary>
    /// Fills exactly <paramref name="n"/> samples: HWC uint8 images, labels and stable sample keys, all
    /// from one epoch (a source drops an epoch's incomplete tail), and returns that epoch. Must not
    /// allocate per call.
    /// </summary>
    long ReadBatch(int n, Span<byte> images, Span<int> labels, Span<long> sampleKeys);

    /// <summary>
    /// The cursor of the next record, i.e. the position after the last batch read. Normalised: once fewer
    /// than a batch of records is left in an epoch, it is (epoch + 1, 0), so the batch that ends an epoch
    /// carries the next epoch's cursor (the train stage reports the epoch ended after that batch).
    /// </summary>
    DataCursor Cursor { get; }
}
