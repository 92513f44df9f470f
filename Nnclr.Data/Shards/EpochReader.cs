namespace Nnclr.Data.Shards;

/// <summary>
/// Reads a split epoch after epoch in a seeded order, for one consumer, allocating nothing per batch.
/// <para>Order of epoch e: the blocks are shuffled by (seed, e); consecutive runs of <see cref="WindowBlocks"/>
/// shuffled blocks form windows, and the records of each window are shuffled together. Every record appears
/// exactly once per epoch, the order is a pure function of (seed, epoch), and the reader only ever needs the
/// window's blocks decoded: each block is decoded once per epoch into one of WindowBlocks reused buffers.</para>
/// <para>The permutation (an int per record) is rebuilt in place once per epoch, never per batch.</para>
/// </summary>
public sealed class EpochReader : IDisposable
{
    /// <summary>Blocks whose records are shuffled together; also the number of decoded blocks kept.</summary>
    public const int WindowBlocks = 16;

    // The split being read; not owned.
    private readonly ShardDataset _dataset;
    // Seed of every epoch's permutation.
    private readonly ulong _seed;
    // False: identity order (evaluation).
    private readonly bool _shuffle;
    // _perm[p] = record at position p of epoch _permEpoch; a permutation of 0..Count-1.
    private readonly int[] _perm;
    // Block order scratch used while building _perm.
    private readonly int[] _blockOrder;
    // Decoded blocks, least recently used evicted.
    private readonly BlockCache[] _slots;
    // Epoch that _perm describes; -1 before the first build.
    private long _permEpoch = -1;
    // Monotone use counter for the slots.
    private long _clock;

    /// <summary>Cursor of the next record to be read.</summary>
    public DataCursor Cursor { get; private set; }
    public ShardDataset Dataset => _dataset;

    public EpochReader(ShardDataset dataset, ulong seed, DataCursor start, bool shuffle = true)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Count == 0) throw new ArgumentException($"split '{dataset.Split}' of '{dataset.Directory}' is empty", nameof(dataset));
        if (start.Epoch < 0 || start.Position < 0 || start.Position > dataset.Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"cursor {start} is outside split '{dataset.Split}' ({dataset.Count} records)");
        _dataset = dataset; _seed = seed; _shuffle = shuffle;
        _perm = new int[dataset.Count];
        _blockOrder = new int[dataset.BlockCount];
        _slots = new BlockCache[Math.Min(WindowBlocks, dataset.BlockCount)];
        for (int i = 0; i < _slots.Length; i++) _slots[i] = dataset.NewBlockCache();
        Cursor = start;
    }

    /// <summary>Batches per epoch with drop-last: Count / batchSize.</summary>
    public long BatchesPerEpoch(int batchSize) =>
        batchSize > 0 ? _dataset.Count / batchSize : throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be positive");

    /// <summary>
    /// Reads exactly <paramref name="n"/> records of the current epoch's order into <paramref name="images"/>
    /// (n × ImageBytes, HWC), <paramref name="labels"/> and <paramref name="sampleKeys"/> (the record's index in the split).
    /// When fewer than n remain in the epoch, the rest is dropped and the next epoch starts.
    /// </summary>
    public void ReadBatch(int n, Span<byte> images, Span<int> labels, Span<long> sampleKeys) =>
        ReadSlice(n, 0, n, images, labels, sampleKeys);

    /// <summary>
    /// One rank's part of a global batch (data parallel): the <paramref name="n"/> records at <paramref name="offset"/> of the next
    /// <paramref name="globalBatch"/> records of the epoch's order, the cursor then advancing by the whole global batch. Ranks
    /// reading offsets 0, n, 2n … of the same global batch read disjoint slices whose union is what one reader with
    /// <see cref="ReadBatch"/>(globalBatch) reads; the epoch ends where it ends for that reader (drop-last of the global batch).
    /// </summary>
    public void ReadSlice(int globalBatch, int offset, int n, Span<byte> images, Span<int> labels, Span<long> sampleKeys)
    {
        int imageBytes = _dataset.ImageBytes;
        CheckSlice(globalBatch, offset, n);
        if (_dataset.Codec != ShardCodec.Raw) throw new InvalidOperationException($"'{_dataset.Directory}' holds jpeg records: read them with ReadEncodedBatch");
        if (images.Length < n * imageBytes || labels.Length < n || sampleKeys.Length < n)
            throw new ArgumentException($"buffers too small for {n} records ({images.Length} image bytes, {labels.Length} labels, {sampleKeys.Length} keys)");
        var cursor = Cursor.Normalised(globalBatch, _dataset.Count);
        EnsurePermutation(cursor.Epoch);
        int rpb = _dataset.RecordsPerBlock;
        for (int i = 0; i < n; i++)
        {
            int record = _perm[cursor.Position + offset + i];
            var slot = Slot(record / rpb);
            labels[i] = slot.Copy(record % rpb, imageBytes, images.Slice(i * imageBytes, imageBytes));
            sampleKeys[i] = record;
        }
        Cursor = new DataCursor(cursor.Epoch, cursor.Position + globalBatch);
    }

    /// <summary>
    /// Jpeg codec: as <see cref="ReadBatch"/>, but record i's encoded bytes go to <paramref name="data"/>[i × stride ..] and their
    /// length to <paramref name="lengths"/>[i]; <paramref name="stride"/> must be ≥ the dataset's MaxRecordBytes. Allocates nothing.
    /// </summary>
    public void ReadEncodedBatch(int n, Span<byte> data, int stride, Span<int> lengths, Span<int> labels, Span<long> sampleKeys) =>
        ReadEncodedSlice(n, 0, n, data, stride, lengths, labels, sampleKeys);

    /// <summary>Jpeg codec: one rank's part of a global batch, as <see cref="ReadSlice"/>.</summary>
    public void ReadEncodedSlice(int globalBatch, int offset, int n, Span<byte> data, int stride, Span<int> lengths, Span<int> labels, Span<long> sampleKeys)
    {
        if (_dataset.Codec != ShardCodec.Jpeg) throw new InvalidOperationException($"'{_dataset.Directory}' holds raw images: read them with ReadBatch");
        CheckSlice(globalBatch, offset, n);
        if (stride < _dataset.MaxRecordBytes || data.Length < (long)n * stride || lengths.Length < n || labels.Length < n || sampleKeys.Length < n)
            throw new ArgumentException($"buffers too small for {n} records of up to {_dataset.MaxRecordBytes} bytes (stride {stride}, {data.Length} bytes, {lengths.Length} lengths, {labels.Length} labels, {sampleKeys.Length} keys)");
        var cursor = Cursor;
        if (cursor.Position + globalBatch > _dataset.Count) cursor = new DataCursor(cursor.Epoch + 1, 0);
        EnsurePermutation(cursor.Epoch);
        int rpb = _dataset.RecordsPerBlock;
        for (int i = 0; i < n; i++)
        {
            int record = _perm[cursor.Position + offset + i];
            var slot = Slot(record / rpb);
            (lengths[i], labels[i]) = slot.CopyEncoded(record % rpb, data.Slice(i * stride, stride));
            sampleKeys[i] = record;
        }
        Cursor = new DataCursor(cursor.Epoch, cursor.Position + globalBatch);
    }

    /// <summary>The record at position <paramref name="position"/> of epoch <paramref name="epoch"/> (rebuilds the permutation if needed).</summary>
    public int RecordAt(long epoch, long position)
    {
        EnsurePermutation(epoch);
        return _perm[position];
    }

    // A slice must lie inside a global batch that fits in the split.
    private void CheckSlice(int globalBatch, int offset, int n)
    {
        if (globalBatch <= 0 || globalBatch > _dataset.Count) throw new ArgumentOutOfRangeException(nameof(globalBatch), $"batch of {globalBatch} from a split of {_dataset.Count}");
        if (n <= 0 || offset < 0 || offset + n > globalBatch)
            throw new ArgumentOutOfRangeException(nameof(n), $"slice [{offset}, {offset + n}) is not inside a global batch of {globalBatch}");
    }

    private BlockCache Slot(int block)
    {
        BlockCache? victim = null;
        foreach (var s in _slots)
        {
            if (s.Block == block) { s.LastUse = ++_clock; return s; }
            if (victim is null || s.LastUse < victim.LastUse) victim = s;
        }
        _dataset.Load(block, victim!);
        victim!.LastUse = ++_clock;
        return victim;
    }

    private void EnsurePermutation(long epoch)
    {
        if (epoch == _permEpoch) return;
        int rpb = _dataset.RecordsPerBlock, blocks = _blockOrder.Length;
        for (int b = 0; b < blocks; b++) _blockOrder[b] = b;
        var rng = new SampleRandom(_seed, epoch, 0, stream: 0x5EED_0F_B10C);
        if (_shuffle) Shuffle(_blockOrder, ref rng);
        int pos = 0;
        for (int w = 0; w < blocks; w += WindowBlocks)
        {
            int start = pos;
            for (int k = w; k < Math.Min(blocks, w + WindowBlocks); k++)
            {
                int b = _blockOrder[k], n = _dataset.BlockRecords(b);
                for (int r = 0; r < n; r++) _perm[pos++] = b * rpb + r;
            }
            if (_shuffle) Shuffle(_perm.AsSpan(start, pos - start), ref rng);
        }
        _permEpoch = epoch;
    }

    private static void Shuffle(Span<int> a, ref SampleRandom rng)
    {
        for (int i = a.Length - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (a[i], a[j]) = (a[j], a[i]);
        }
    }

    /// <summary>The dataset is not owned; nothing to release beyond managed buffers.</summary>
    public void Dispose() { }
}
