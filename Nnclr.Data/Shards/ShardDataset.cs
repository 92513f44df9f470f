namespace Nnclr.Data.Shards;

/// <summary>
/// One split of a dataset folder, opened and checked against its manifest. Record i lives in global block
/// i / RecordsPerBlock (every shard but the last holds whole blocks). <see cref="ReadRecord"/> is thread-safe:
/// each thread keeps its own last decoded block.
/// </summary>
public sealed class ShardDataset : IDisposable
{
    // Shard readers in record order.
    private readonly ShardReader[] _shards;
    // For global block g: its shard and the block index inside it.
    private readonly int[] _blockShard, _blockLocal;
    // Per-thread cache of the last decoded block (for ReadRecord).
    private readonly ThreadLocal<BlockCache> _cache;

    public DatasetManifest Manifest { get; }
    public string Split { get; }
    public string Directory { get; }
    public int Count { get; }
    public int Height => Manifest.Height;
    public int Width => Manifest.Width;
    /// <summary>Raw: bytes of one HWC image. Jpeg: Height × Width × 3 of the largest image allowed (Height = Width = max side).</summary>
    public int ImageBytes { get; }
    /// <summary>Raw (fixed-size HWC images) or jpeg (encoded records: read with <see cref="ReadEncoded"/>).</summary>
    public ShardCodec Codec => Manifest.CodecKind;
    /// <summary>Largest record's size in bytes: ImageBytes for raw, the manifest's maxRecordBytes for jpeg.</summary>
    public int MaxRecordBytes => Codec == ShardCodec.Jpeg ? Manifest.MaxRecordBytes : ImageBytes;
    public IReadOnlyList<string> Classes => Manifest.Classes;
    public int RecordsPerBlock => Manifest.RecordsPerBlock;
    public int BlockCount => _blockShard.Length;
    /// <summary>Decoded bytes of a full block: the buffer size that <see cref="DecodeBlock"/> needs.</summary>
    public int MaxBlockRawBytes => Codec == ShardCodec.Jpeg ? Manifest.MaxBlockBytes : ShardLayout.RawBlockBytes(RecordsPerBlock, ImageBytes);
    /// <summary>Sum of the shard files' sizes.</summary>
    public long StoredBytes => _shards.Sum(s => s.FileBytes);
    public IReadOnlyList<ShardReader> Shards => _shards;

    private ShardDataset(string dir, string split, DatasetManifest manifest, ShardReader[] shards)
    {
        Directory = dir; Split = split; Manifest = manifest; _shards = shards;
        ImageBytes = manifest.Height * manifest.Width * 3;
        Count = shards.Sum(s => s.Count);
        int blocks = shards.Sum(s => s.BlockCount);
        (_blockShard, _blockLocal) = (new int[blocks], new int[blocks]);
        for (int s = 0, g = 0; s < shards.Length; s++)
            for (int b = 0; b < shards[s].BlockCount; b++, g++) { _blockShard[g] = s; _blockLocal[g] = b; }
        _cache = new ThreadLocal<BlockCache>(NewBlockCache);
    }

    /// <summary>Opens split <paramref name="split"/> of <paramref name="datasetDir"/>; ShardFormatException on any bad data.</summary>
    public static ShardDataset Open(string datasetDir, string split)
    {
        var m = ManifestFile.Load(datasetDir);
        var s = m.FindSplit(split) ?? throw new ShardFormatException(
            $"manifest '{ManifestFile.PathIn(datasetDir)}': no split '{split}' (it has {string.Join(", ", m.Splits.Select(x => x.Name))})");
        var readers = new List<ShardReader>();
        try
        {
            foreach (var e in s.Shards)
            {
                var path = Path.Combine(datasetDir, e.File);
                if (File.Exists(path) && new FileInfo(path).Length is var len && len != e.Bytes)
                    throw new ShardFormatException(len < e.Bytes
                        ? $"shard '{path}': truncated: {len} bytes, manifest says {e.Bytes}"
                        : $"shard '{path}': manifest/shard mismatch: {len} bytes, manifest says {e.Bytes}");
                var r = new ShardReader(path);
                readers.Add(r);
                if (r.Codec != m.CodecKind)
                    throw new ShardFormatException($"shard '{path}': manifest/shard mismatch: shard codec {r.Codec}, manifest says {m.Codec}");
                if (r.Codec == ShardCodec.Jpeg && r.MaxBlockRawBytes > m.MaxBlockBytes)
                    throw new ShardFormatException($"shard '{path}': manifest/shard mismatch: a block of {r.MaxBlockRawBytes} bytes, manifest says at most {m.MaxBlockBytes}");
                if (r.Height != m.Height || r.Width != m.Width || r.Count != e.Count || r.RecordsPerBlock != m.RecordsPerBlock)
                    throw new ShardFormatException($"shard '{path}': manifest/shard mismatch: shard holds {r.Count} records of {r.Height}x{r.Width} " +
                        $"in blocks of {r.RecordsPerBlock}; manifest says {e.Count} of {m.Height}x{m.Width} in blocks of {m.RecordsPerBlock}");
            }
            var dataset = new ShardDataset(datasetDir, split, m, readers.ToArray());
            try { dataset.CheckClassCounts(s); }
            catch { dataset.Dispose(); readers.Clear(); throw; }
            return dataset;
        }
        catch
        {
            foreach (var r in readers) r.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checks the manifest's class counts against the records: each shard's counts against the hash in its
    /// (checksummed) header, and their sum against the split's counts. A dataset written before shard headers
    /// kept that hash is recounted from its labels instead (every block decoded once).
    /// </summary>
    private void CheckClassCounts(SplitManifest s)
    {
        var manifestPath = ManifestFile.PathIn(Directory);
        var sum = new long[Classes.Count];
        bool recorded = s.Shards.All(e => e.ClassCounts.Count > 0);
        if (recorded)
            for (int i = 0; i < _shards.Length; i++)
            {
                var e = s.Shards[i];
                if (e.ClassCounts.Count != Classes.Count || e.ClassCounts.Any(c => c < 0) || e.ClassCounts.Sum(c => (long)c) != e.Count)
                    throw new ShardFormatException($"manifest '{manifestPath}': shard '{e.File}': its class counts do not sum to its {e.Count} records over {Classes.Count} classes");
                if (_shards[i].ClassHash != ShardLayout.ClassHash(e.ClassCounts.ToArray()))
                    throw new ShardFormatException($"manifest '{manifestPath}': shard '{e.File}': class counts do not match the shard's records (manifest edited?); re-ingest the dataset");
                for (int c = 0; c < sum.Length; c++) sum[c] += e.ClassCounts[c];
            }
        else if (Codec == ShardCodec.Jpeg)
            throw new ShardFormatException($"manifest '{manifestPath}': split '{s.Name}': a jpeg dataset must list every shard's classCounts; re-ingest the dataset");
        else
        {
            var raw = new byte[MaxBlockRawBytes];
            for (int b = 0; b < BlockCount; b++)
            {
                int n = DecodeBlock(b, raw);
                for (int i = 0; i < n; i++) sum[System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(n * ImageBytes + i * ShardLayout.LabelBytes))]++;
            }
        }
        for (int c = 0; c < sum.Length; c++)
            if (sum[c] != s.ClassCounts[c])
                throw new ShardFormatException($"manifest '{manifestPath}': split '{s.Name}': class '{Classes[c]}' has {sum[c]} records, manifest says {s.ClassCounts[c]} (manifest edited?); re-ingest the dataset");
    }

    /// <summary>Records in global block <paramref name="block"/>.</summary>
    public int BlockRecords(int block) => _shards[_blockShard[block]].BlockRecords(_blockLocal[block]);

    /// <summary>A reusable buffer for one decoded block of this split (with record offsets for jpeg).</summary>
    internal BlockCache NewBlockCache() => new(MaxBlockRawBytes, Codec == ShardCodec.Jpeg ? RecordsPerBlock : 0);

    /// <summary>Verifies and decodes global block <paramref name="block"/> into <paramref name="cache"/> (either codec); marks it held.</summary>
    internal void Load(int block, BlockCache cache)
    {
        cache.Block = -1;
        if (Codec == ShardCodec.Jpeg)
        {
            var shard = _shards[_blockShard[block]];
            shard.DecodeJpegBlock(_blockLocal[block], cache.Raw, Classes.Count, Manifest.MaxRecordBytes, cache.DataOffsets, cache.PathOffsets);
            cache.Count = shard.BlockRecords(_blockLocal[block]);
        }
        else cache.Count = DecodeBlock(block, cache.Raw);
        cache.Block = block;
    }

    /// <summary>Verifies and decodes global block <paramref name="block"/> into <paramref name="raw"/>; returns its record count. Raw codec only.</summary>
    public int DecodeBlock(int block, Span<byte> raw)
    {
        var shard = _shards[_blockShard[block]];
        shard.DecodeBlock(_blockLocal[block], raw, Classes.Count);
        return shard.BlockRecords(_blockLocal[block]);
    }

    /// <summary>Copies record <paramref name="index"/> (HWC uint8 RGB) into <paramref name="hwc"/>; returns its label. Thread-safe.</summary>
    public int ReadRecord(long index, Span<byte> hwc)
    {
        if ((ulong)index >= (ulong)Count) throw new ArgumentOutOfRangeException(nameof(index), $"record {index} is out of range: split '{Split}' of '{Directory}' holds {Count}");
        if (Codec != ShardCodec.Raw) throw new InvalidOperationException($"'{Directory}' holds jpeg records: read them with ReadEncoded and decode them");
        if (hwc.Length < ImageBytes) throw new ArgumentException($"buffer of {hwc.Length} bytes is smaller than one image ({ImageBytes})", nameof(hwc));
        var (cache, slot) = Cached(index);
        return cache.Copy(slot, ImageBytes, hwc);
    }

    /// <summary>Jpeg codec: copies record <paramref name="index"/>'s encoded bytes into <paramref name="dst"/> (≥ MaxRecordBytes); returns (length, label). Thread-safe.</summary>
    public (int Length, int Label) ReadEncoded(long index, Span<byte> dst)
    {
        if (Codec != ShardCodec.Jpeg) throw new InvalidOperationException($"'{Directory}' holds raw images: read them with ReadRecord");
        var (cache, slot) = Cached(index);
        return cache.CopyEncoded(slot, dst);
    }

    /// <summary>Jpeg codec: record <paramref name="index"/>'s source path, relative to the folder it was ingested from. Thread-safe.</summary>
    public string SourcePath(long index)
    {
        if (Codec != ShardCodec.Jpeg) throw new InvalidOperationException($"'{Directory}' holds raw images, which keep no source path");
        var (cache, slot) = Cached(index);
        return cache.PathOf(slot);
    }

    private (BlockCache Cache, int Slot) Cached(long index)
    {
        if ((ulong)index >= (ulong)Count) throw new ArgumentOutOfRangeException(nameof(index), $"record {index} is out of range: split '{Split}' of '{Directory}' holds {Count}");
        var cache = _cache.Value!;
        int block = (int)(index / RecordsPerBlock), slot = (int)(index % RecordsPerBlock);
        if (cache.Block != block) Load(block, cache);
        return (cache, slot);
    }

    public void Dispose()
    {
        foreach (var s in _shards) s.Dispose();
        _cache.Dispose();
    }
}
