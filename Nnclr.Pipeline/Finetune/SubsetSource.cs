using Nnclr.Data;
using Nnclr.Data.Shards;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Finetune;

/// <summary>
/// The read port of a fine-tune: the labelled subset's records, read once into memory at construction (in file order,
/// each block decoded once), served epoch after epoch in a seeded order (a pure function of seed and epoch) with
/// drop-last batches and the cursor rules of <see cref="IBatchSource"/>. Sample keys are the records' indices in the
/// split, so each image's augmentation is the same in a resumed run. Allocates nothing per batch.
/// </summary>
public sealed class SubsetSource : IEncodedBatchSource
{
    // Record bytes: raw HWC images back to back, or encoded records at _offsets.
    private readonly byte[] _data;
    // Encoded: start of record i in _data (Count + 1 entries); raw: null.
    private readonly int[]? _offsets;
    private readonly int[] _records, _labels;
    // Bytes of one raw image.
    private readonly int _imageBytes;
    private readonly int _batchSize;
    private readonly ulong _seed;
    // Positions of the current epoch's order; rebuilt in place once per epoch.
    private readonly int[] _order;
    private long _orderEpoch = -1;
    // The next record to read (not normalised).
    private DataCursor _cursor;

    public SubsetSource(ShardDataset split, LabelledSubset subset, ulong seed, DataCursor start, int batchSize)
    {
        if (batchSize < 1 || batchSize > subset.Count)
            throw new ArgumentException($"batch size {batchSize} must be between 1 and the labelled subset's {subset.Count} images");
        if (start.Epoch < 0 || start.Position < 0 || start.Position > subset.Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"cursor {start} is outside the labelled subset ({subset.Count} records)");
        (_records, _labels, _batchSize, _seed, _cursor) = (subset.Records, subset.Labels, batchSize, seed, start);
        _imageBytes = split.ImageBytes;
        _order = new int[subset.Count];
        if (split.Codec == ShardCodec.Jpeg)
        {
            var parts = new List<byte[]>(subset.Count);
            var buffer = new byte[split.MaxRecordBytes];
            long total = 0;
            foreach (var r in _records)
            {
                var (length, _) = split.ReadEncoded(r, buffer);
                parts.Add(buffer[..length]);
                total += length;
                if (total > Array.MaxLength) throw new ArgumentException($"the labelled subset's {subset.Count} JPEG records exceed 2 GiB; choose a smaller --labels-fraction");
            }
            _data = new byte[total];
            _offsets = new int[subset.Count + 1];
            for (int i = 0; i < parts.Count; i++)
            {
                parts[i].CopyTo(_data, _offsets[i]);
                _offsets[i + 1] = _offsets[i] + parts[i].Length;
            }
            MaxRecordBytes = split.MaxRecordBytes;
        }
        else
        {
            if ((long)subset.Count * _imageBytes > Array.MaxLength) throw new ArgumentException($"the labelled subset's {subset.Count} images exceed 2 GiB; choose a smaller --labels-fraction");
            _data = new byte[subset.Count * _imageBytes];
            for (int i = 0; i < _records.Length; i++) split.ReadRecord(_records[i], _data.AsSpan(i * _imageBytes, _imageBytes));
        }
    }

    /// <summary>Largest encoded record (jpeg), else 0.</summary>
    public int MaxRecordBytes { get; }

    /// <summary>Full batches per epoch.</summary>
    public long StepsPerEpoch => _records.Length / _batchSize;

    public DataCursor Cursor => _cursor.Normalised(_batchSize, _records.Length);

    public long ReadBatch(int n, Span<byte> images, Span<int> labels, Span<long> sampleKeys)
    {
        if (_offsets is not null) throw new InvalidOperationException("the labelled subset holds jpeg records: read them with ReadEncodedBatch");
        var c = Begin(n);
        for (int i = 0; i < n; i++)
        {
            int p = _order[c.Position + i];
            _data.AsSpan(p * _imageBytes, _imageBytes).CopyTo(images.Slice(i * _imageBytes, _imageBytes));
            (labels[i], sampleKeys[i]) = (_labels[p], _records[p]);
        }
        _cursor = new DataCursor(c.Epoch, c.Position + n);
        return c.Epoch;
    }

    public long ReadEncodedBatch(int n, Span<byte> data, int stride, Span<int> lengths, Span<int> labels, Span<long> sampleKeys)
    {
        if (_offsets is null) throw new InvalidOperationException("the labelled subset holds raw images: read them with ReadBatch");
        var c = Begin(n);
        for (int i = 0; i < n; i++)
        {
            int p = _order[c.Position + i], length = _offsets[p + 1] - _offsets[p];
            if (length > stride) throw new ArgumentException($"record {_records[p]} ({length} bytes) does not fit a stride of {stride}");
            _data.AsSpan(_offsets[p], length).CopyTo(data.Slice(i * stride, length));
            (lengths[i], labels[i], sampleKeys[i]) = (length, _labels[p], _records[p]);
        }
        _cursor = new DataCursor(c.Epoch, c.Position + n);
        return c.Epoch;
    }

    // The normalised cursor of a batch of n, with that epoch's order built.
    private DataCursor Begin(int n)
    {
        if (n != _batchSize) throw new ArgumentException($"this source reads batches of {_batchSize}, asked for {n}");
        var c = Cursor;
        if (c.Epoch != _orderEpoch)
        {
            for (int i = 0; i < _order.Length; i++) _order[i] = i;
            var rng = new SampleRandom(_seed, c.Epoch, 0, stream: 0xF17E_70E5);
            for (int i = _order.Length - 1; i > 0; i--)
            {
                int j = rng.NextInt(i + 1);
                (_order[i], _order[j]) = (_order[j], _order[i]);
            }
            _orderEpoch = c.Epoch;
        }
        return c;
    }
}
