namespace Nnclr.Data.Shards;

/// <summary>How a dataset's records are stored (manifest "codec"; shard header bytes 36..39).</summary>
public enum ShardCodec
{
    /// <summary>Fixed-size HWC uint8 RGB images in LZ4 blocks (format version 1).</summary>
    Raw = 0,
    /// <summary>Variable-length JPEG bytes plus each record's relative source path, blocks stored as is (format version 2).</summary>
    Jpeg = 1,
}
