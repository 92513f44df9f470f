
namespace Nnclr.Data.Ingest;

/// <summary>
/// Bounded, deterministic enumeration of an input folder. Directory symlinks (and other reparse points) are
/// never entered but listed as skipped: following them needs real-path cycle detection and can still reach
/// far outside the folder the user named (one link to / ingests the machine), while not following them
/// counts each file once by construction. File symlinks are read like files. Entries are visited in
/// ordinal name order; past <see cref="FolderIngestOptions.MaxEntries"/> entries the walk stops with an error,
/// and folders deeper than <see cref="FolderIngestOptions.MaxDepth"/> are listed, not entered.
/// </summary>
internal static class FolderWalker
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png"];

    /// <summary>Image files under <paramref name="dir"/> (recursively), in ordinal path order; everything unusable goes to <paramref name="skipped"/>.</summary>
    public static List<string> Images(string dir, FolderIngestOptions o, List<SkippedFile> skipped, ref int entries)
    {
        var files = new List<string>();
        var stack = new Stack<(string Dir, int Depth)>();
        stack.Push((dir, 0));
        while (stack.Count > 0)
        {
            var (current, depth) = stack.Pop();
            var subdirs = new List<string>();
            IEnumerable<FileSystemInfo> items;
            try { items = new DirectoryInfo(current).EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal).ToList(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { skipped.Add(new SkippedFile(current, $"folder unreadable ({e.Message})")); continue; }
            foreach (var item in items)
            {
                if (++entries > o.MaxEntries)
                    throw new IngestException($"'{dir}' holds more than {o.MaxEntries:N0} entries; enumeration stopped at '{item.FullName}'");
                bool link = item.LinkTarget is not null || item.Attributes.HasFlag(FileAttributes.ReparsePoint);
                if (item is DirectoryInfo d)
                {
                    if (link) skipped.Add(new SkippedFile(d.FullName, $"directory symlink not followed (→ {d.LinkTarget})"));
                    else if (depth + 1 > o.MaxDepth) skipped.Add(new SkippedFile(d.FullName, $"folder nested deeper than {o.MaxDepth} levels not entered"));
                    else subdirs.Add(d.FullName);
                }
                else if (Unusable(item, link) is { } why) skipped.Add(new SkippedFile(item.FullName, why));
                else if (Extensions.Contains(Path.GetExtension(item.Name).ToLowerInvariant())) files.Add(item.FullName);
                else skipped.Add(new SkippedFile(item.FullName, "not a .jpg/.jpeg/.png file"));
            }
            for (int i = subdirs.Count - 1; i >= 0; i--) stack.Push((subdirs[i], depth + 1));
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>
    /// Why a non-directory entry cannot be read as an image file, or null. Decided here, at discovery, once for every
    /// reader: a name that is not valid UTF-8 (the runtime cannot open it by the name it reports), a name with a line
    /// break (paths are written one per line: paths.txt, reports), a dangling link, a link to a folder, and anything
    /// that is not a regular file (a FIFO would block open() forever; a device or socket is not an image).
    /// </summary>
    private static string? Unusable(FileSystemInfo item, bool link)
    {
        if (item.Name.Contains('\uFFFD', StringComparison.Ordinal))
            return "file name is not valid UTF-8 (it cannot be opened by the name the system reports); rename it";
        if (item.Name.AsSpan().IndexOfAny('\n', '\r') >= 0)
            return "file name contains a line break (paths are written one per line); rename it";
        var kind = FileKind.Describe(item.FullName);
        if (kind == "regular file") return null;
        if (link && kind == "missing") return $"dangling symlink (→ {item.LinkTarget})";
        if (link && kind == "directory") return $"directory symlink not followed (→ {item.LinkTarget})";
        if (kind == "missing") return "vanished while the folder was listed";
        return $"not a regular file (a {kind}{(link ? $" behind the symlink → {item.LinkTarget}" : "")})";
    }

    /// <summary>Sub-folders of <paramref name="dir"/> that are real folders (not links), ordinal order; links are listed as skipped.</summary>
    public static List<string> ClassFolders(string dir, List<SkippedFile> skipped)
    {
        var result = new List<string>();
        foreach (var d in new DirectoryInfo(dir).EnumerateDirectories().OrderBy(d => d.Name, StringComparer.Ordinal))
            if (d.LinkTarget is not null || d.Attributes.HasFlag(FileAttributes.ReparsePoint)) skipped.Add(new SkippedFile(d.FullName, $"directory symlink not followed (→ {d.LinkTarget})"));
            else result.Add(d.Name);
        return result;
    }
}
