using Nnclr.Data.Shards;
using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline.Tests.Fakes;

/// <summary>
/// A deterministic dataset of <c>records</c> records: epoch e visits record (p * 7 + e) % records at
/// position p; every pixel of record r is (byte)r, its label r % 10, its key r. Drops incomplete tails.
/// </summary>
public sealed class FakeSource(int records, DataCursor start = default) : IBatchSource
{
    // Batches read so far.
    public int BatchesRead;
    // Sleep per batch.
    public TimeSpan Delay = TimeSpan.Zero;
    // Throws on this batch (0-based), -1 for never.
    public int ThrowAt = -1;
    // When set, each batch first takes one permit: the test decides exactly how many batches can be read.
    public SemaphoreSlim? Gate;

    public DataCursor Cursor { get; private set; } = start;

    public long ReadBatch(int n, Span<byte> images, Span<int> labels, Span<long> sampleKeys)
    {
        if (BatchesRead == ThrowAt) throw new InvalidDataException($"shard 'fake-000.shard': record {Cursor.Position} is corrupt");
        if (Delay > TimeSpan.Zero) Thread.Sleep(Delay);
        Gate?.Wait();
        int bytes = images.Length / n;
        for (int i = 0; i < n; i++)
        {
            long r = ((Cursor.Position + i) * 7 + Cursor.Epoch) % records;
            images.Slice(i * bytes, bytes).Fill((byte)r);
            labels[i] = (int)(r % 10);
            sampleKeys[i] = r;
        }
        long epoch = Cursor.Epoch;
        Cursor = Cursor.Position + 2 * n > records ? new DataCursor(epoch + 1, 0) : new DataCursor(epoch, Cursor.Position + n);
        BatchesRead++;
        return epoch;
    }
}
