namespace Nnclr.Data.Shards;

/// <summary>Bad shard or manifest data. The message names the file and, where it applies, the block or record.</summary>
public sealed class ShardFormatException : Exception
{
    public ShardFormatException(string message) : base(message) { }
    public ShardFormatException(string message, Exception inner) : base(message, inner) { }
}
