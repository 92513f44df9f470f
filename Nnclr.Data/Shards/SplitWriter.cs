using K4os.Compression.LZ4;

namespace Nnclr.Data.Shards;

/// <summary>
/// Appends records of one split, compressing blocks in parallel and writing them in order, so the bytes
/// written never depend on the thread count. Rolls over to a new shard every RecordsPerShard records.
/// Created by <see cref="DatasetWriter.BeginSplit"/>.
/// </summary>
public sealed class SplitWriter : IDisposable
{
    // Blocks gathered before one parallel compression round.
    private const int BlocksPerRound = 32;
    // The dataset this split belongs to: image size, file tracking.
    private readonly DatasetWriter _owner;
    // Layout: bytes per image, records per block, records per shard (a multiple of records per block).
    private readonly int _imageBytes, _recordsPerBlock, _recordsPerShard;
    // Threads for compression; the output does not depend on it.
    private readonly int _maxParallelism;
    // LZ4 level of every block.
    private readonly LZ4Level _level;
    // Pending records not yet compressed: _pending[0.._pendingCount) images and labels.
    private readonly byte[] _pendingImages;
    private readonly int[] _pendingLabels;
    // Records pending, ≤ BlocksPerRound · records per block.
    private int _pendingCount;
    // Records per class so far.
    private readonly int[] _classCounts;
    // Records per class in the shard being written.
    private readonly int[] _shardClassCounts;
    // Per channel: sum of pixel values and of their squares over every record added (for Mean/Std).
    private readonly long[] _sum = new long[3], _sumSq = new long[3];
    // Pixels accumulated into _sum (per channel).
    private long _pixels;
    // Jpeg codec: records not yet written (data, label, UTF-8 relative path); null for raw.
    private readonly List<(byte[] Data, int Label, byte[] Path)>? _pendingJpeg;
    // Completed shards, in order.
    private readonly List<ShardEntry> _shards = [];
    // Shard being written, or null between shards.
    private ShardWriter? _current;
    // Decoded bytes written to _current so far.
    private long _currentRaw;
    // Records written to shards (excludes pending).
    private long _written;
    // True after Complete: no more records accepted.
    private bool _completed;

    public string Name { get; }
    /// <summary>False: the records carry no real label (written as 0).</summary>
    public bool Labelled { get; init; } = true;
    public long Count => _written + _pendingCount + (_pendingJpeg?.Count ?? 0);
    /// <summary>Jpeg codec: largest record and largest block written so far.</summary>
    internal int MaxRecordBytes { get; private set; }
    internal int MaxBlockBytes { get; private set; }
    private bool IsJpeg => _pendingJpeg is not null;

    internal SplitWriter(DatasetWriter owner, string name, int imageBytes, int recordsPerBlock, int recordsPerShard, int classCount, int maxParallelism, LZ4Level level)
    {
        _owner = owner; Name = name; _imageBytes = imageBytes; _recordsPerBlock = recordsPerBlock;
        _recordsPerShard = recordsPerShard; _maxParallelism = maxParallelism; _level = level;
        bool jpeg = owner.Codec == ShardCodec.Jpeg;
        _pendingImages = jpeg ? [] : new byte[BlocksPerRound * recordsPerBlock * imageBytes];
        _pendingLabels = jpeg ? [] : new int[BlocksPerRound * recordsPerBlock];
        _pendingJpeg = jpeg ? [] : null;
        _classCounts = new int[classCount];
        _shardClassCounts = new int[classCount];
    }

    /// <summary>Appends <c>labels.Length</c> records (HWC images back to back).</summary>
    public void Add(ReadOnlySpan<byte> images, ReadOnlySpan<int> labels)
    {
        if (_completed) throw new InvalidOperationException($"split '{Name}' is already complete");
        if (IsJpeg) throw new InvalidOperationException($"split '{Name}' stores jpeg records: use AddEncoded");
        if (images.Length != labels.Length * _imageBytes) throw new ArgumentException($"{images.Length} image bytes for {labels.Length} labels of {_imageBytes} bytes each");
        Accumulate(images);
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)_classCounts.Length) throw new ArgumentOutOfRangeException(nameof(labels), $"split '{Name}': label {labels[i]} outside 0..{_classCounts.Length - 1}");
            _classCounts[labels[i]]++;
            images.Slice(i * _imageBytes, _imageBytes).CopyTo(_pendingImages.AsSpan(_pendingCount * _imageBytes));
            _pendingLabels[_pendingCount++] = labels[i];
            if (_pendingCount == _pendingLabels.Length) Flush();
        }
    }

    /// <summary>
    /// Jpeg codec: appends one record — its encoded bytes (kept as they are), label and path relative to the ingest's
    /// input folder — and adds <paramref name="statsHwc"/> (the image decoded at any scale, HWC RGB) to the split's mean/std.
    /// </summary>
    public void AddEncoded(byte[] encoded, int label, string relativePath, ReadOnlySpan<byte> statsHwc)
    {
        if (_completed) throw new InvalidOperationException($"split '{Name}' is already complete");
        if (!IsJpeg) throw new InvalidOperationException($"split '{Name}' stores raw images: use Add");
        if (encoded.Length == 0) throw new ArgumentException($"split '{Name}': empty record for '{relativePath}'");
        if ((uint)label >= (uint)_classCounts.Length) throw new ArgumentOutOfRangeException(nameof(label), $"split '{Name}': label {label} outside 0..{_classCounts.Length - 1}");
        var path = System.Text.Encoding.UTF8.GetBytes(relativePath);
        if (path.Length > ushort.MaxValue) throw new ArgumentException($"split '{Name}': path '{relativePath[..64]}…' is over 65535 bytes");
        Accumulate(statsHwc);
        _classCounts[label]++;
        MaxRecordBytes = Math.Max(MaxRecordBytes, encoded.Length);
        _pendingJpeg!.Add((encoded, label, path));
        if (_pendingJpeg.Count == BlocksPerRound * _recordsPerBlock) Flush();
    }

    private void Accumulate(ReadOnlySpan<byte> hwc)
    {
        _pixels += hwc.Length / 3;
        long r = 0, g = 0, b = 0, rr = 0, gg = 0, bb = 0;
        for (int i = 0; i + 2 < hwc.Length; i += 3)
        {
            int x = hwc[i], y = hwc[i + 1], z = hwc[i + 2];
            r += x; g += y; b += z; rr += x * x; gg += y * y; bb += z * z;
        }
        _sum[0] += r; _sum[1] += g; _sum[2] += b; _sumSq[0] += rr; _sumSq[1] += gg; _sumSq[2] += bb;
    }

    private void Flush()
    {
        int n = IsJpeg ? _pendingJpeg!.Count : _pendingCount, blocks = (n + _recordsPerBlock - 1) / _recordsPerBlock;
        if (n == 0) return;
        var encoded = new EncodedBlock[blocks];
        if (IsJpeg)
        {
            for (int b = 0; b < blocks; b++)
            {
                int start = b * _recordsPerBlock, count = Math.Min(_recordsPerBlock, n - start);
                encoded[b] = ShardWriter.EncodeJpeg(_pendingJpeg!.GetRange(start, count));
                MaxBlockBytes = Math.Max(MaxBlockBytes, encoded[b].RawBytes);
            }
        }
        else
            Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = _maxParallelism }, b =>
            {
                int start = b * _recordsPerBlock, count = Math.Min(_recordsPerBlock, n - start);
                encoded[b] = ShardWriter.Encode(_pendingImages.AsSpan(start * _imageBytes, count * _imageBytes), _pendingLabels.AsSpan(start, count), _imageBytes, _level);
            });
        for (int b = 0; b < blocks; b++)
        {
            var block = encoded[b];
            if (_current is null)
            {
                var file = $"{Name}-{_shards.Count:D5}.shard";
                _current = new ShardWriter(_owner.Track(file), _owner.Height, _owner.Width, _recordsPerBlock, _owner.Codec);
                _currentRaw = 0;
            }
            _current.WriteBlock(block);
            if (IsJpeg) foreach (var r in _pendingJpeg!.GetRange(b * _recordsPerBlock, block.Count)) _shardClassCounts[r.Label]++;
            else foreach (int label in _pendingLabels.AsSpan(b * _recordsPerBlock, block.Count)) _shardClassCounts[label]++;
            _currentRaw += block.RawBytes;
            _written += block.Count;
            if (_current.Count >= _recordsPerShard) CloseShard();
        }
        _pendingCount = 0;
        _pendingJpeg?.Clear();
    }

    private void CloseShard()
    {
        var w = _current!;
        long bytes = w.Complete(ShardLayout.ClassHash(_shardClassCounts));
        long first = _shards.Count == 0 ? 0 : _shards[^1].FirstRecord + _shards[^1].Count;
        _shards.Add(new ShardEntry { File = $"{Name}-{_shards.Count:D5}.shard", Count = w.Count, FirstRecord = first, Bytes = bytes, RawBytes = _currentRaw, ClassCounts = _shardClassCounts.ToArray() });
        Array.Clear(_shardClassCounts);
        w.Dispose();
        _current = null;
    }

    /// <summary>Writes what is pending, closes the last shard and returns the split's manifest entry.</summary>
    internal SplitManifest Complete()
    {
        Flush();
        if (_current is not null) CloseShard();
        _completed = true;
        double pixels = _pixels;
        double[] mean = [.. Enumerable.Range(0, 3).Select(c => pixels > 0 ? _sum[c] / pixels / 255 : 0)];
        double[] std = [.. Enumerable.Range(0, 3).Select(c => pixels > 0 ? Math.Sqrt(Math.Max(0, _sumSq[c] / pixels / (255.0 * 255) - mean[c] * mean[c])) : 0)];
        return new SplitManifest { Name = Name, Labelled = Labelled, Mean = mean.Select(m => Math.Round(m, 6)).ToArray(), Std = std.Select(x => Math.Round(x, 6)).ToArray(), Count = (int)_written, ClassCounts = _classCounts.ToArray(), Shards = _shards.ToArray() };
    }

    public void Dispose()
    {
        _current?.Dispose();
        _current = null;
    }
}
