using System.Buffers.Binary;
using Nnclr.Data.Augment;
using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;
using SkiaSharp;

namespace Nnclr.Data.Tests.Ingest;

/// <summary>
/// Issue 26 case 11: real EXIF JPEGs of all 8 orientations (Skia-encoded pixels with an APP1 Exif segment written
/// here) decode to the same upright picture in every path: direct decoding (raw ingest, embed --images) and jpeg
/// records (re-encoded upright at ingest, then decoded as the augmenter, evaluation and embed decode them).
/// </summary>
public sealed class ExifOrientationTests
{
    private const int W = 48, H = 32;

    // The upright picture: four coloured quadrants (the 8 orientations move them 8 different ways).
    private static SKColor Display(int x, int y) => (x < W / 2, y < H / 2) switch
    {
        (true, true) => new SKColor(230, 30, 30),
        (false, true) => new SKColor(30, 220, 40),
        (true, false) => new SKColor(30, 40, 230),
        _ => new SKColor(240, 230, 30),
    };

    // Where stored pixel (sx, sy) of an orientation-o file is shown (EXIF 2.3, table of Orientation): the camera's view.
    private static (int X, int Y) Shown(int o, int sx, int sy, int w, int h) => o switch
    {
        1 => (sx, sy),
        2 => (w - 1 - sx, sy),             // mirrored horizontally
        3 => (w - 1 - sx, h - 1 - sy),     // turned 180°
        4 => (sx, h - 1 - sy),             // mirrored vertically
        5 => (sy, sx),                     // transposed
        6 => (h - 1 - sy, sx),             // shown turned 90° clockwise
        7 => (h - 1 - sy, w - 1 - sx),     // transversed
        _ => (sy, w - 1 - sx),             // 8: shown turned 90° counter-clockwise
    };

    /// <summary>The JPEG a camera writes for orientation <paramref name="o"/>: stored pixels plus the tag.</summary>
    private static byte[] ExifJpeg(int o, bool withTag = true)
    {
        bool swap = o >= 5;
        int w = swap ? H : W, h = swap ? W : H;
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int sy = 0; sy < h; sy++)
            for (int sx = 0; sx < w; sx++)
            {
                var (x, y) = Shown(o, sx, sy, w, h);
                bmp.SetPixel(sx, sy, Display(x, y));
            }
        using var data = bmp.Encode(SKEncodedImageFormat.Jpeg, 95);
        var jpeg = data.ToArray();
        if (!withTag) return jpeg;
        // APP1 "Exif\0\0", little-endian TIFF header, IFD0 with one entry: Orientation (0x0112), SHORT, 1, o.
        var app1 = new byte[2 + 2 + 6 + 8 + 2 + 12 + 4];
        app1[0] = 0xFF; app1[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(app1.AsSpan(2), (ushort)(app1.Length - 2));
        "Exif\0\0II*\0"u8.CopyTo(app1.AsSpan(4));
        BinaryPrimitives.WriteUInt32LittleEndian(app1.AsSpan(14), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(app1.AsSpan(18), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(app1.AsSpan(20), 0x0112);
        BinaryPrimitives.WriteUInt16LittleEndian(app1.AsSpan(22), 3);
        BinaryPrimitives.WriteUInt32LittleEndian(app1.AsSpan(24), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(app1.AsSpan(28), (ushort)o);
        return [.. jpeg.AsSpan(0, 2), .. app1, .. jpeg.AsSpan(2)];
    }

    private static double MeanAbsDiff(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        long sum = 0;
        for (int i = 0; i < a.Length; i++) sum += Math.Abs(a[i] - b[i]);
        return (double)sum / a.Length;
    }

    private static double MeanAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += Math.Abs(a[i] - b[i]);
        return sum / a.Length;
    }

    [Fact]
    public void AllEightOrientations_DirectDecode_SameUprightPicture()
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp.Path);
        const int size = 16;
        var upright = new byte[size * size * 3];
        File.WriteAllBytes(tmp.Sub("o1.jpg"), ExifJpeg(1));
        Assert.Null(ImageFolder.Decode(tmp.Sub("o1.jpg"), size, upright));
        var decoded = new byte[size * size * 3];
        for (int o = 2; o <= 8; o++)
        {
            File.WriteAllBytes(tmp.Sub($"o{o}.jpg"), ExifJpeg(o));
            Assert.Null(ImageFolder.Decode(tmp.Sub($"o{o}.jpg"), size, decoded));
            double turned = MeanAbsDiff(decoded, upright);
            Assert.True(turned < 6, $"orientation {o}: mean difference {turned:F1} to the upright picture");
            // The same pixels without the tag are a different picture: the check above can fail.
            File.WriteAllBytes(tmp.Sub($"bare{o}.jpg"), ExifJpeg(o, withTag: false));
            if (o >= 5) continue; // 5–8 store 32×48; centre-cropped they still differ, but compare like with like
            Assert.Null(ImageFolder.Decode(tmp.Sub($"bare{o}.jpg"), size, decoded));
            Assert.True(MeanAbsDiff(decoded, upright) > 40, $"orientation {o}: the untagged file decodes like the upright one");
        }
    }

    [Fact]
    public void AllEightOrientations_JpegRecords_DecodedUprightByTheRecordDecoder()
    {
        using var tmp = new TempDir();
        var input = tmp.Sub("in");
        Directory.CreateDirectory(input);
        for (int o = 1; o <= 8; o++) File.WriteAllBytes(Path.Combine(input, $"o{o}.jpg"), ExifJpeg(o));
        var report = FolderIngest.Run(input, tmp.Sub("out"), new FolderIngestOptions { Unlabelled = true, Format = ShardCodec.Jpeg, MaxSide = 64 });
        Assert.Equal(8, report.Written["train"]);
        Assert.Equal(7, report.Reencoded); // the seven turned ones; the upright JPEG is kept byte for byte
        using var ds = ShardDataset.Open(tmp.Sub("out"), "train");
        var reader = new CentreViewReader(ds, 16, [0f, 0f, 0f], [1f, 1f, 1f]);
        var views = new Dictionary<string, float[]>();
        for (int i = 0; i < ds.Count; i++)
        {
            var chw = new float[3 * 16 * 16];
            reader.Read(i, chw);
            views[Path.GetFileName(ds.SourcePath(i))] = chw;
        }
        for (int o = 2; o <= 8; o++)
        {
            double d = MeanAbsDiff(views[$"o{o}.jpg"], views["o1.jpg"]);
            Assert.True(d < 0.03, $"orientation {o}: mean difference {d:F3} (0…1 scale) to the upright record");
        }
    }
}
