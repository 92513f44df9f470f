namespace Nnclr.Data.Ingest;

/// <summary>
/// A labels file for folder ingest (<c>--labels FILE</c>): one <c>relative/path CLASS</c> per line (separated by a tab,
/// a comma or the last space; paths relative to the input folder, '/' separated), blank lines and lines starting with
/// '#' ignored. A tab-separated line may carry more columns after the class, which are ignored (Tiny-ImageNet's
/// <c>val_annotations.txt</c>: file, class, bounding box). Classes are the distinct names in ordinal order. Bad lines
/// and conflicting duplicates are one error naming the file and line.
/// </summary>
/// An image matches the entry naming its path relative to the input folder, else the entry naming the longest end of
/// that path after a '/' (<c>val_0.JPEG</c> for <c>val/images/val_0.JPEG</c>); an entry so matched by two images is
/// an error, since it cannot say which one it labels.
internal sealed class LabelsFile
{
    /// <summary>Largest labels file read (ImageNet-1k's train list is ~40 MB).</summary>
    public const long MaxBytes = 1L << 30;

    // Relative path ('/' separated) → class index.
    private readonly Dictionary<string, int> _labels;
    // Entries matched so far → the image (relative path) that matched them.
    private readonly Dictionary<string, string> _matched = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Classes { get; }
    public string Path { get; }
    /// <summary>The first entry's path, for messages.</summary>
    public string FirstEntry { get; }
    /// <summary>Entries no image has matched (so far).</summary>
    public int Unmatched => _labels.Count - _matched.Count;

    private LabelsFile(string path, Dictionary<string, int> labels, string[] classes, string firstEntry) =>
        (Path, _labels, Classes, FirstEntry) = (path, labels, classes, firstEntry);

    public static LabelsFile Load(string path, int maxEntries)
    {
        if (!File.Exists(path)) throw new IngestException($"labels file '{path}' does not exist");
        long length = new FileInfo(path).Length;
        if (length > MaxBytes) throw new IngestException($"labels file '{path}' is {length} bytes, over the {MaxBytes >> 20} MiB limit");
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        string? first = null;
        int lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            // Tab-separated: the first two columns (more may follow); else the last comma, else the last space.
            int tab = line.IndexOf('\t');
            int cut = tab >= 0 ? tab : line.LastIndexOf(',');
            if (cut < 0) cut = line.LastIndexOf(' ');
            int end = tab >= 0 && line.IndexOf('\t', tab + 1) is var next and > 0 ? next : line.Length;
            if (cut <= 0 || cut >= end - 1)
                throw new IngestException($"labels file '{path}' line {lineNumber}: expected 'relative/path CLASS', got '{Shorten(line)}'");
            var rel = Normalise(line[..cut].Trim());
            var cls = line[(cut + 1)..end].Trim();
            if (rel.Length == 0 || cls.Length == 0 || rel.StartsWith('/') || rel.Split('/').Contains(".."))
                throw new IngestException($"labels file '{path}' line {lineNumber}: '{Shorten(rel)}' must be a path inside the input folder and a class name");
            if (byName.TryGetValue(rel, out var other) && other != cls)
                throw new IngestException($"labels file '{path}' line {lineNumber}: '{Shorten(rel)}' is labelled both '{other}' and '{cls}'");
            byName[rel] = cls;
            first ??= rel;
            if (byName.Count > maxEntries) throw new IngestException($"labels file '{path}': more than {maxEntries} entries");
        }
        if (byName.Count == 0) throw new IngestException($"labels file '{path}' lists no files");
        var classes = byName.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length > ushort.MaxValue + 1) throw new IngestException($"labels file '{path}': {classes.Length} classes, at most 65536");
        var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        return new LabelsFile(path, byName.ToDictionary(kv => kv.Key, kv => index[kv.Value], StringComparer.Ordinal), classes, first!);
    }

    /// <summary>
    /// The class of the image at <paramref name="relativePath"/> (relative to <paramref name="inputDir"/>, '/' separated):
    /// the entry naming that path, else the one naming its longest end after a '/' (unless that entry names another file
    /// that exists); null when the file does not list it. An end matched by a second image is an error naming both.
    /// </summary>
    public string? ClassOf(string inputDir, string relativePath)
    {
        relativePath = Normalise(relativePath);
        if (_labels.TryGetValue(relativePath, out var label)) return Claim(relativePath, relativePath, label);
        for (int cut = relativePath.IndexOf('/'); cut >= 0; cut = relativePath.IndexOf('/', cut + 1))
        {
            var end = relativePath[(cut + 1)..];
            if (_labels.TryGetValue(end, out label) && !File.Exists(System.IO.Path.Combine(inputDir, end))) return Claim(end, relativePath, label);
        }
        return null;
    }

    private string Claim(string entry, string image, int label)
    {
        if (_matched.TryGetValue(entry, out var other) && other != image)
            throw new IngestException($"labels file '{Path}': the entry '{Shorten(entry)}' matches both '{Shorten(other)}' and '{Shorten(image)}'; " +
                "list those images by their paths relative to the input folder");
        _matched[entry] = image;
        return Classes[label];
    }

    private static string Normalise(string p)
    {
        p = p.Replace('\\', '/');
        while (p.StartsWith("./", StringComparison.Ordinal)) p = p[2..];
        return p;
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
