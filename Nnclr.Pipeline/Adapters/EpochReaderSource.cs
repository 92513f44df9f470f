using Nnclr.Data.Shards;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Adapters;

/// <summary>
/// <see cref="IBatchSource"/> over Nnclr.Data's <see cref="EpochReader"/> (raw images, or JPEG records through
/// <see cref="IEncodedBatchSource"/>): drop-last batches of one epoch each,
/// and a cursor normalised to (epoch + 1, 0) once less than a batch is left in the epoch.
/// </summary>
public sealed class EpochReaderSource : IEncodedBatchSource, IDisposable
{
    // The reader; its own cursor is the next record, not normalised.
    private readonly EpochReader _reader;
    // Records in the split.
    private readonly long _count;
    // Images per batch; every ReadBatch call uses it.
    private readonly int _batchSize;

    public EpochReaderSource(ShardDataset dataset, ulong seed, DataCursor start, int batchSize)
    {
        if (batchSize > dataset.Count)
            throw new ArgumentException($"batch size {batchSize} is larger than the {dataset.Split} split of {dataset.Manifest.Name} ({dataset.Count} images)");
        _count = dataset.Count;
        _batchSize = batchSize;
        _reader = new EpochReader(dataset, seed, start);
    }

    /// <summary>Full batches per epoch.</summary>
    public long StepsPerEpoch => _reader.BatchesPerEpoch(_batchSize);

    public DataCursor Cursor => _reader.Cursor.Normalised(_batchSize, _count);

    public long ReadBatch(int n, Span<byte> images, Span<int> labels, Span<long> sampleKeys)
    {
        if (n != _batchSize) throw new ArgumentException($"this source reads batches of {_batchSize}, asked for {n}");
        long epoch = Cursor.Epoch;
        _reader.ReadBatch(n, images, labels, sampleKeys);
        return epoch;
    }

    public long ReadEncodedBatch(int n, Span<byte> data, int stride, Span<int> lengths, Span<int> labels, Span<long> sampleKeys)
    {
        if (n != _batchSize) throw new ArgumentException($"this source reads batches of {_batchSize}, asked for {n}");
        long epoch = Cursor.Epoch;
        _reader.ReadEncodedBatch(n, data, stride, lengths, labels, sampleKeys);
        return epoch;
    }

    public void Dispose() => _reader.Dispose();
}
