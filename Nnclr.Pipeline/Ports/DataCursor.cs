namespace Nnclr.Pipeline.Ports;

/// <summary>
/// Where the data stream resumes: the next record to read is record <see cref="Position"/> of epoch
/// <see cref="Epoch"/>'s permutation. Every batch carries the cursor AFTER it, so a checkpoint taken
/// after step s records exactly where step s + 1 reads from.
/// </summary>
public readonly record struct DataCursor(long Epoch, long Position)
{
    public override string ToString() => $"epoch {Epoch}, position {Position}";
}
