using System.Runtime.InteropServices;

namespace Nnclr.Data.Augment;

/// <summary>
/// The system's libjpeg-turbo through its TurboJPEG API (<c>libturbojpeg.so.0</c>, Debian's <c>libturbojpeg0</c>), used
/// for JPEG decoding when present: it is built with libjpeg-turbo's SIMD kernels, which SkiaSharp's bundled copy is
/// not, and decodes the same pixels (the same library and defaults: accurate integer IDCT, fancy upsampling; checked
/// image by image against SkiaSharp in the tests). When the library is missing, or it refuses an image (CMYK, damaged
/// data), the caller decodes with SkiaSharp as before. <c>NNCLR_JPEG_DECODER=skia</c> turns it off.
/// </summary>
internal static partial class TurboJpeg
{
    private const string Lib = "libturbojpeg.so.0";
    // TJPF_RGBA: 4 bytes a pixel, R G B then an opaque alpha.
    private const int PixelFormatRgba = 7;

    /// <summary>Whether the library loaded (once per process) and is not turned off.</summary>
    public static bool Available { get; } = Environment.GetEnvironmentVariable("NNCLR_JPEG_DECODER") is not "skia"
        && NativeLibrary.TryLoad(Lib, typeof(TurboJpeg).Assembly, null, out _);

    /// <summary>"libjpeg-turbo (system, SIMD)" or "SkiaSharp": which decoder JPEGs go through (for benchmarks and logs).</summary>
    public static string DecoderName => Available ? "libjpeg-turbo (system libturbojpeg, SIMD)" : "SkiaSharp (bundled libjpeg-turbo)";

    /// <summary>A decompressor handle, freed when collected (one per worker scratch, never per image).</summary>
    internal sealed class Handle : SafeHandle
    {
        public Handle() : base(IntPtr.Zero, ownsHandle: true) => SetHandle(tjInitDecompress());
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle() => tjDestroy(handle) == 0;
    }

    /// <summary>Reads width and height from a JPEG's header; false if TurboJPEG cannot parse it.</summary>
    public static unsafe bool TryReadHeader(Handle h, ReadOnlySpan<byte> jpeg, out int width, out int height)
    {
        width = height = 0;
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) return false;
        fixed (byte* src = jpeg)
            return tjDecompressHeader3(h, src, (nuint)jpeg.Length, out width, out height, out _, out _) == 0 && width > 0 && height > 0;
    }

    /// <summary>
    /// Decodes into <paramref name="rgba"/> at exactly <paramref name="width"/>×<paramref name="height"/>, which must be a
    /// size libjpeg-turbo's DCT scaling gives (⌈W·n/8⌉ × ⌈H·n/8⌉); false on any error or warning.
    /// </summary>
    public static unsafe bool TryDecode(Handle h, ReadOnlySpan<byte> jpeg, int width, int height, Span<byte> rgba)
    {
        if ((long)width * height * 4 > rgba.Length) throw new ArgumentException($"a {width}x{height} RGBA image does not fit {rgba.Length} bytes");
        fixed (byte* src = jpeg)
        fixed (byte* dst = rgba)
            return tjDecompress2(h, src, (nuint)jpeg.Length, dst, width, 0, height, PixelFormatRgba, 0) == 0;
    }

    [LibraryImport(Lib)] private static partial IntPtr tjInitDecompress();
    [LibraryImport(Lib)] private static partial int tjDestroy(IntPtr handle);
    [LibraryImport(Lib)] private static unsafe partial int tjDecompressHeader3(Handle handle, byte* jpeg, nuint size, out int width, out int height, out int subsamp, out int colorspace);
    [LibraryImport(Lib)] private static unsafe partial int tjDecompress2(Handle handle, byte* jpeg, nuint size, byte* dst, int width, int pitch, int height, int pixelFormat, int flags);
}
