using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace Nnclr.Pipeline.Metrics;

/// <summary>
/// Writes TensorBoard scalar events (TFRecord framing, masked CRC-32C, tensorflow.Event protobuf) with the wall time
/// in Unix seconds as TensorBoard expects. Replaces TorchSharp's SummaryWriter, which writes the first event's wall time
/// as a .NET tick count and every scalar's as 0, and reopens the file per event. Not thread-safe: callers serialise.
/// </summary>
public sealed class TensorBoardEventWriter : IDisposable
{
    // The event file, appended; flushed after each event so TensorBoard sees it live.
    private readonly FileStream _file;
    // Reused encoding buffer for one event (an event is a few dozen bytes).
    private readonly MemoryStream _event = new();

    /// <summary>Creates a new event file in <paramref name="directory"/> (a resumed run adds a file; TensorBoard merges them).</summary>
    public TensorBoardEventWriter(string directory)
    {
        Directory.CreateDirectory(directory);
        var now = DateTimeOffset.UtcNow;
        Path = System.IO.Path.Combine(directory,
            $"events.out.tfevents.{now.ToUnixTimeSeconds()}.{Environment.MachineName}.{Environment.ProcessId}.{Stopwatch.GetTimestamp() % 100000}");
        _file = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        WriteEvent(now, step: 0, fileVersion: "brain.Event:2", tag: null, value: 0);
    }

    /// <summary>The event file.</summary>
    public string Path { get; }

    /// <summary>Appends one scalar at <paramref name="step"/>, stamped now.</summary>
    public void AddScalar(string tag, double value, long step) => WriteEvent(DateTimeOffset.UtcNow, step, null, tag, (float)value);

    private void WriteEvent(DateTimeOffset time, long step, string? fileVersion, string? tag, float value)
    {
        _event.SetLength(0);
        // tensorflow.Event: wall_time (1, double), step (2, int64), file_version (3, string) | summary (5, Summary).
        WriteTag(_event, 1, 1);
        Span<byte> d = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(d, time.ToUnixTimeMilliseconds() / 1000.0);
        _event.Write(d);
        WriteTag(_event, 2, 0);
        WriteVarint(_event, (ulong)step);
        if (fileVersion is not null)
        {
            WriteTag(_event, 3, 2);
            WriteBytes(_event, Encoding.UTF8.GetBytes(fileVersion));
        }
        else if (tag is not null)
        {
            // Summary { repeated Value value = 1 }, Value { string tag = 1; float simple_value = 2 }.
            var tagBytes = Encoding.UTF8.GetBytes(tag);
            int valueLength = 1 + VarintLength((ulong)tagBytes.Length) + tagBytes.Length + 1 + 4;
            int summaryLength = 1 + VarintLength((ulong)valueLength) + valueLength;
            WriteTag(_event, 5, 2);
            WriteVarint(_event, (ulong)summaryLength);
            WriteTag(_event, 1, 2);
            WriteVarint(_event, (ulong)valueLength);
            WriteTag(_event, 1, 2);
            WriteBytes(_event, tagBytes);
            WriteTag(_event, 2, 5);
            Span<byte> f = stackalloc byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(f, value);
            _event.Write(f);
        }
        var data = _event.GetBuffer().AsSpan(0, (int)_event.Length);
        // TFRecord: uint64 length, masked crc32c(length), data, masked crc32c(data).
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc(data));
        _file.Write(header);
        _file.Write(data);
        _file.Write(footer);
        _file.Flush();
    }

    private static void WriteTag(Stream s, int field, int wireType) => WriteVarint(s, (ulong)((field << 3) | wireType));

    private static void WriteBytes(Stream s, byte[] bytes)
    {
        WriteVarint(s, (ulong)bytes.Length);
        s.Write(bytes);
    }

    private static void WriteVarint(Stream s, ulong v)
    {
        while (v >= 0x80)
        {
            s.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        s.WriteByte((byte)v);
    }

    private static int VarintLength(ulong v)
    {
        int n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }

    /// <summary>TFRecord's masked CRC-32C (Castagnoli).</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    // Castagnoli polynomial, reflected.
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    public void Dispose()
    {
        _file.Dispose();
        _event.Dispose();
    }
}
