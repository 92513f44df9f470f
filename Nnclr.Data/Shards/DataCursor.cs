namespace Nnclr.Data.Shards;

/// <summary>Where a reader stands: <paramref name="Position"/> is the index into epoch <paramref name="Epoch"/>'s permutation.</summary>
public readonly record struct DataCursor(long Epoch, long Position)
{
    /// <summary>
    /// The one end-of-epoch rule (drop-last batches): once fewer than <paramref name="batchSize"/> of the epoch's
    /// <paramref name="count"/> records are left, the next batch starts epoch + 1 at position 0.
    /// </summary>
    public DataCursor Normalised(int batchSize, long count) => Position + batchSize > count ? new DataCursor(Epoch + 1, 0) : this;

    public override string ToString() => $"epoch {Epoch}, position {Position}";
}
