namespace Nnclr.Data.Ingest;

/// <summary>
/// The images of a folder as `ingest folder --unlabelled` sees them (any depth, .jpg/.jpeg/.png, ordinal path order,
/// directory symlinks not followed) and the same decoding (SkiaSharp to RGB, shorter side resized, centre crop), for
/// commands that read images directly (`nnclr embed --images`).
/// </summary>
public static class ImageFolder
{
    /// <summary>Image files under <paramref name="dir"/> in ordinal path order; everything else found goes to <paramref name="skipped"/>.</summary>
    public static List<string> List(string dir, List<SkippedFile> skipped)
    {
        if (!Directory.Exists(dir)) throw new IngestException($"'{dir}' is not a folder");
        int entries = 0;
        return FolderWalker.Images(Path.GetFullPath(dir), new FolderIngestOptions { Unlabelled = true }, skipped, ref entries);
    }

    /// <summary>
    /// Decodes <paramref name="path"/> to a size×size HWC RGB image in <paramref name="dst"/> (images whose header declares
    /// more than 64 megapixels are refused before decoding); null, or why the file cannot be used.
    /// </summary>
    public static string? Decode(string path, int size, Span<byte> dst) =>
        ImageDecoder.Decode(path, size, new FolderIngestOptions().MaxPixels, dst);
}
