using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Nnclr.Model.Tests;

/// <summary>
/// Writes .pth files the way torch.save lays them out (zip: archive/data.pkl, archive/data/KEY), with a pickle
/// written opcode by opcode, so a test can declare any storage size, shape, stride or offset.
/// </summary>
public static class PthFiles
{
    /// <summary>One state_dict entry: a tensor over storage <paramref name="Key"/> of <paramref name="Elements"/> elements.</summary>
    public sealed record Entry(string Name, string StorageType, string Key, long Elements, long Offset, long[] Shape, long[] Stride);

    /// <summary>A contiguous tensor over its own storage.</summary>
    public static Entry Contiguous(string name, string key, params long[] shape)
    {
        var stride = new long[shape.Length];
        long s = 1;
        for (int d = shape.Length - 1; d >= 0; d--) { stride[d] = s; s *= shape[d]; }
        return new Entry(name, "FloatStorage", key, s, 0, shape, stride);
    }

    /// <summary>The pickle torch.save writes for a dict of these entries (protocol 2).</summary>
    public static byte[] Pickle(IEnumerable<Entry> entries)
    {
        var p = new MemoryStream();
        p.Write([0x80, 2, (byte)'}', (byte)'(']);
        foreach (var e in entries)
        {
            Str(p, e.Name);
            Global(p, "torch._utils", "_rebuild_tensor_v2");
            p.WriteByte((byte)'(');
            p.WriteByte((byte)'(');
            Str(p, "storage"); Global(p, "torch", e.StorageType); Str(p, e.Key); Str(p, "cpu"); Int(p, e.Elements);
            p.WriteByte((byte)'t');
            p.WriteByte((byte)'Q');
            Int(p, e.Offset);
            Tuple(p, e.Shape);
            Tuple(p, e.Stride);
            p.WriteByte(0x89); // False
            Global(p, "collections", "OrderedDict");
            p.Write([(byte)')', (byte)'R', (byte)'t', (byte)'R']);
        }
        p.Write([(byte)'u', (byte)'.']);
        return p.ToArray();
    }

    /// <summary>A zip with archive/data.pkl and one archive/data/KEY entry per storage.</summary>
    public static void Write(string path, byte[] pickle, IEnumerable<(string Key, byte[] Bytes)> storages, CompressionLevel level = CompressionLevel.NoCompression)
    {
        using var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        using (var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) s.Write(pickle);
        foreach (var (key, bytes) in storages)
            using (var s = zip.CreateEntry("archive/data/" + key, level).Open()) s.Write(bytes);
        using (var s = zip.CreateEntry("archive/version", CompressionLevel.NoCompression).Open()) s.Write("3\n"u8);
    }

    /// <summary>A file of these entries, each storage filled with its declared element count of float32 values.</summary>
    public static void Write(string path, params Entry[] entries) =>
        Write(path, Pickle(entries), entries.DistinctBy(e => e.Key).Select(e => (e.Key, new byte[Math.Clamp(e.Elements, 0, 1 << 20) * 4])));

    private static void Str(Stream p, string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        Span<byte> n = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(n, b.Length);
        p.WriteByte((byte)'X'); p.Write(n); p.Write(b);
    }

    private static void Global(Stream p, string module, string name) => p.Write(Encoding.ASCII.GetBytes($"c{module}\n{name}\n"));

    private static void Int(Stream p, long v)
    {
        if (v is >= int.MinValue and <= int.MaxValue)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)v);
            p.WriteByte((byte)'J'); p.Write(b);
            return;
        }
        Span<byte> l = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(l, v);
        p.WriteByte(0x8a); p.WriteByte(8); p.Write(l); // LONG1
    }

    private static void Tuple(Stream p, long[] values)
    {
        p.WriteByte((byte)'(');
        foreach (var v in values) Int(p, v);
        p.WriteByte((byte)'t');
    }
}
