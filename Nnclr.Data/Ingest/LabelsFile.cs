namespace Nnclr.Data.Ingest;

/// <summary>
/// A labels file for folder ingest (<c>--labels FILE</c>): one <c>relative/path CLASS</c> per line (separated by a tab,
/// a comma or the last space; paths relative to the input folder, '/' separated), blank lines and lines starting with
/// '#' ignored. Classes are the distinct names in ordinal order. Bad lines and conflicting duplicates are one error
/// naming the file and line.
/// </summary>
internal sealed class LabelsFile
{
    /// <summary>Largest labels file read (ImageNet-1k's train list is ~40 MB).</summary>
    public const long MaxBytes = 1L << 30;

    // Relative path ('/' separated) → class index.
    private readonly Dictionary<string, int> _labels;

    public IReadOnlyList<string> Classes { get; }
    public string Path { get; }

    private LabelsFile(string path, Dictionary<string, int> labels, string[] classes) => (Path, _labels, Classes) = (path, labels, classes);

    public static LabelsFile Load(string path, int maxEntries)
    {
        if (!File.Exists(path)) throw new IngestException($"labels file '{path}' does not exist");
        long length = new FileInfo(path).Length;
        if (length > MaxBytes) throw new IngestException($"labels file '{path}' is {length} bytes, over the {MaxBytes >> 20} MiB limit");
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            int cut = line.LastIndexOfAny(['\t', ',']);
            if (cut < 0) cut = line.LastIndexOf(' ');
            if (cut <= 0 || cut == line.Length - 1)
                throw new IngestException($"labels file '{path}' line {lineNumber}: expected 'relative/path CLASS', got '{Shorten(line)}'");
            var rel = Normalise(line[..cut].Trim());
            var cls = line[(cut + 1)..].Trim();
            if (rel.Length == 0 || cls.Length == 0 || rel.StartsWith('/') || rel.Split('/').Contains(".."))
                throw new IngestException($"labels file '{path}' line {lineNumber}: '{Shorten(rel)}' must be a path inside the input folder and a class name");
            if (byName.TryGetValue(rel, out var other) && other != cls)
                throw new IngestException($"labels file '{path}' line {lineNumber}: '{Shorten(rel)}' is labelled both '{other}' and '{cls}'");
            byName[rel] = cls;
            if (byName.Count > maxEntries) throw new IngestException($"labels file '{path}': more than {maxEntries} entries");
        }
        if (byName.Count == 0) throw new IngestException($"labels file '{path}' lists no files");
        var classes = byName.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length > ushort.MaxValue + 1) throw new IngestException($"labels file '{path}': {classes.Length} classes, at most 65536");
        var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        return new LabelsFile(path, byName.ToDictionary(kv => kv.Key, kv => index[kv.Value], StringComparer.Ordinal), classes);
    }

    /// <summary>The label of <paramref name="relativePath"/>, or -1 when the file does not list it.</summary>
    public int LabelOf(string relativePath) => _labels.TryGetValue(Normalise(relativePath), out var l) ? l : -1;

    private static string Normalise(string p)
    {
        p = p.Replace('\\', '/');
        while (p.StartsWith("./", StringComparison.Ordinal)) p = p[2..];
        return p;
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
