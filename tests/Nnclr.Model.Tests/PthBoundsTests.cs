using System.IO.Compression;

namespace Nnclr.Model.Tests;

/// <summary>
/// Issue 26 case 6: a .pth's declared sizes (the pickle's storage sizes, shapes, strides, offsets; the zip's entry
/// sizes) are checked before anything is allocated or decompressed, and each hostile file is one error line naming
/// the file (no libtorch frames: the reader builds host tensors itself).
/// </summary>
public sealed class PthBoundsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"nnclr-pth-{Guid.NewGuid():N}");

    public PthBoundsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Refused(string name, Action<string> write)
    {
        var path = Path.Combine(_dir, name);
        write(path);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<WeightsFormatException>(() => WeightsFile.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 16L << 20, $"{name}: allocated {allocated} bytes before refusing");
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message.TrimEnd());
        return e.Message;
    }

    [Fact]
    public void WellFormed_BuiltFile_ReadsBackShapesAndViews()
    {
        var path = Path.Combine(_dir, "ok.pth");
        var a = PthFiles.Contiguous("a", "0", 2, 3);
        var view = new PthFiles.Entry("b", "FloatStorage", "0", 6, 3, [3], [1]); // second row of a's storage
        var pickle = PthFiles.Pickle([a, view]);
        var data = new byte[24];
        for (int i = 0; i < 6; i++) BitConverter.TryWriteBytes(data.AsSpan(4 * i), (float)i);
        PthFiles.Write(path, pickle, [("0", data)]);
        var w = WeightsFile.Read(path);
        Assert.True(w.TryGet("a", out var ta));
        Assert.Equal([2L, 3], ta.Shape);
        Assert.True(w.TryGet("b", out var tb));
        Assert.Equal([3f, 4f, 5f], Enumerable.Range(0, 3).Select(i => BitConverter.ToSingle(tb.Data, 4 * i)));
    }

    [Fact]
    public void HugeShape_OverSmallStorage_OneLine()
    {
        var m = Refused("huge-shape.pth", p => PthFiles.Write(p, new PthFiles.Entry("w", "FloatStorage", "0", 16, 0, [1_000_000, 1_000_000], [1_000_000, 1])));
        Assert.Contains("[1000000, 1000000]", m, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeSize_OneLine()
    {
        var m = Refused("negative.pth", p => PthFiles.Write(p, new PthFiles.Entry("w", "FloatStorage", "0", 16, 0, [-4, 4], [4, 1])));
        Assert.Contains("negative", m, StringComparison.Ordinal);
        Refused("negative-storage.pth", p => PthFiles.Write(p, new PthFiles.Entry("w", "FloatStorage", "0", -16, 0, [4, 4], [4, 1])));
    }

    [Fact]
    public void BadStrideOrOffset_OneLine()
    {
        var m = Refused("stride.pth", p => PthFiles.Write(p, new PthFiles.Entry("w", "FloatStorage", "0", 16, 0, [4, 4], [1_000_000, 1])));
        Assert.Contains("not contiguous", m, StringComparison.Ordinal);
        m = Refused("offset.pth", p => PthFiles.Write(p, new PthFiles.Entry("w", "FloatStorage", "0", 16, 8, [4, 4], [4, 1])));
        Assert.Contains("outside its storage", m, StringComparison.Ordinal);
    }

    [Fact]
    public void DeclaredStorageBeyondAnyArchitecture_RefusedBeforeDecompressing()
    {
        // 800 M float32 elements (3.2 GB) declared: refused on the declaration, the entry is never opened.
        var m = Refused("bomb.pth", p => PthFiles.Write(p, PthFiles.Pickle([PthFiles.Contiguous("w", "0", 800_000_000)]), [("0", new byte[64])]));
        Assert.Contains("storage of 800000000 elements", m, StringComparison.Ordinal);
        // A small declaration over a zip entry that decompresses to 64 MB of zeros: the zip's size disagrees, nothing is inflated.
        m = Refused("lying-entry.pth", p => PthFiles.Write(p, PthFiles.Pickle([PthFiles.Contiguous("w", "0", 16)]), [("0", new byte[64 << 20])], CompressionLevel.Fastest));
        Assert.Contains("declares 67108864 bytes", m, StringComparison.Ordinal);
    }

    [Fact]
    public void BarePickle_NamedAsLegacyFormatNotSafetensors()
    {
        var m = Refused("legacy.pth", p => File.WriteAllBytes(p, PthFiles.Pickle([PthFiles.Contiguous("w", "0", 4)])));
        Assert.Contains("bare Python pickle", m, StringComparison.Ordinal);
        Assert.DoesNotContain("safetensors file (", m, StringComparison.Ordinal);
    }

    [Fact]
    public void Safetensors_OverlappingOffsets_Refused()
    {
        var m = Refused("overlap.safetensors", p =>
        {
            var header = System.Text.Encoding.UTF8.GetBytes("{\"bn1.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"bn1.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}");
            var file = new byte[8 + header.Length + 12];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
            header.CopyTo(file, 8);
            File.WriteAllBytes(p, file);
        });
        Assert.Contains("overlap", m, StringComparison.Ordinal);
    }
}
