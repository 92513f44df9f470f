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

    /// <summary>The cursor of the next record, i.e. the position after the last batch read.</summary>
    DataCursor Cursor { get; }
}
