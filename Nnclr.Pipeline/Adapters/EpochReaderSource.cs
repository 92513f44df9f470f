using Nnclr.Data.Shards;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Adapters;

/// <summary>
/// <see cref="IBatchSource"/> over Nnclr.Data's <see cref="EpochReader"/> (raw images, or JPEG records through
/// <see cref="IEncodedBatchSource"/>): drop-last batches of one epoch each,
/// and a cursor normalised to (epoch + 1, 0) once less than a batch is left in the epoch.
/// Data parallel: rank r of N reads the contiguous slice [r·B/N, (r+1)·B/N) of each global batch B of the epoch's order
/// (the order one process with batch B reads); the cursor is global (it advances by B), so a checkpoint's cursor means
/// the same at any world size.
/// </summary>
public sealed class EpochReaderSource : IEncodedBatchSource, IDisposable
{
    // The reader; its own cursor is the next record, not normalised.
    private readonly EpochReader _reader;
    // Records in the split.
    private readonly long _count;
    // Images per global batch (all ranks together); the cursor advances by it.
    private readonly int _batchSize;
    // This rank's images per batch (every ReadBatch call uses it) and where its slice starts in the global batch.
    private readonly int _localBatch, _offset;

    /// <param name="batchSize">The global batch B; with <paramref name="worldSize"/> N this rank reads B/N of each (B divisible by N).</param>
    public EpochReaderSource(ShardDataset dataset, ulong seed, DataCursor start, int batchSize, int rank = 0, int worldSize = 1)
    {
        if (batchSize > dataset.Count)
            throw new ArgumentException($"batch size {batchSize} is larger than the {dataset.Split} split of {dataset.Manifest.Name} ({dataset.Count} images)");
        if (worldSize < 1 || rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), $"rank {rank} of world {worldSize}");
        if (batchSize % worldSize != 0) throw new ArgumentException($"global batch {batchSize} is not divisible by the world size {worldSize}");
        _count = dataset.Count;
        _batchSize = batchSize;
        _localBatch = batchSize / worldSize;
        _offset = rank * _localBatch;
        _reader = new EpochReader(dataset, seed, start);
    }

    /// <summary>Full batches per epoch.</summary>
    public long StepsPerEpoch => _reader.BatchesPerEpoch(_batchSize);

    public DataCursor Cursor => _reader.Cursor.Normalised(_batchSize, _count);

    public long ReadBatch(int n, Span<byte> images, Span<int> labels, Span<long> sampleKeys)
    {
        if (n != _localBatch) throw new ArgumentException($"this source reads batches of {_localBatch}, asked for {n}");
        long epoch = Cursor.Epoch;
        _reader.ReadSlice(_batchSize, _offset, n, images, labels, sampleKeys);
        return epoch;
    }

    public long ReadEncodedBatch(int n, Span<byte> data, int stride, Span<int> lengths, Span<int> labels, Span<long> sampleKeys)
    {
        if (n != _localBatch) throw new ArgumentException($"this source reads batches of {_localBatch}, asked for {n}");
        long epoch = Cursor.Epoch;
        _reader.ReadEncodedSlice(_batchSize, _offset, n, data, stride, lengths, labels, sampleKeys);
        return epoch;
    }

    public void Dispose() => _reader.Dispose();
}
