namespace Nnclr.Pipeline.Ports;

/// <summary>
/// A batch source whose samples are encoded records (JPEG), decoded later by the augment stage. Used by the read
/// stage when the geometry is encoded (BatchGeometry.EncodedRecordBytes &gt; 0). Called from the read stage's thread only.
/// </summary>
public interface IEncodedBatchSource : IBatchSource
{
    /// <summary>
    /// Fills exactly <paramref name="n"/> samples: record i's bytes at <paramref name="data"/>[i × <paramref name="stride"/>..],
    /// its length in <paramref name="lengths"/>[i], plus labels and sample keys, all from one epoch; returns that epoch.
    /// Same order and cursor rules as <see cref="IBatchSource.ReadBatch"/>. Must not allocate per call.
    /// </summary>
    long ReadEncodedBatch(int n, Span<byte> data, int stride, Span<int> lengths, Span<int> labels, Span<long> sampleKeys);
}
