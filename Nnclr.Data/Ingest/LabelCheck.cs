namespace Nnclr.Data.Ingest;

/// <summary>One split of a folder ingest as listed: its image files with their class names, and where the names come from.</summary>
internal sealed record ListedSplit(string Name, string Dir, List<(string Path, string Class)> Files, bool FromLabelsFile, IReadOnlyList<string> ClassFolders);

/// <summary>
/// Checks the labels of a folder ingest before anything is decoded. A split other than train whose images all fall in
/// classes train does not have is refused: kNN on it can only be wrong. That is what `train/CLASS/images/*.JPEG` +
/// `val/images/*.JPEG` (Tiny-ImageNet) gives without a labels file: every validation image in the class "images".
/// Warned about: a class folder named like a plain sub-folder ("images"), a test split all in one class, test classes
/// that train lacks.
/// </summary>
internal static class LabelCheck
{
    /// <summary>Folder names that hold images rather than name a class.</summary>
    private static readonly HashSet<string> PlainFolderNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "images", "image", "imgs", "img", "jpeg", "jpegs", "jpg", "jpgs", "png", "pictures", "pics", "photos", "data", "files", "samples",
    };

    public static void Run(string inputDir, IReadOnlyList<ListedSplit> splits, List<string> warnings)
    {
        var train = splits[0];
        var trainClasses = train.Files.Select(f => f.Class).ToHashSet(StringComparer.Ordinal);
        var plainWarned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var split in splits.Skip(1))
        {
            if (trainClasses.Count < 2 || split.Files.Count == 0) continue;
            var counts = split.Files.GroupBy(f => f.Class, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var foreign = counts.Keys.Where(c => !trainClasses.Contains(c)).Order(StringComparer.Ordinal).ToList();
            if (foreign.Count == counts.Count)
                throw new IngestException($"{split.Name} ('{split.Dir}'): all {split.Files.Count:N0} of its images fall in " +
                    (foreign.Count == 1 ? $"the class '{foreign[0]}'" : $"{foreign.Count} classes") + $", which train's {trainClasses.Count:N0} classes do not include" +
                    (foreign.Any(PlainFolderNames.Contains) ? $" ('{foreign.First(PlainFolderNames.Contains)}' is a plain sub-folder, not a class)" : "") +
                    $": kNN on it would be meaningless. {Fix(split)}");
            if (counts.Count == 1)
                warnings.Add($"{split.Name}: all {split.Files.Count:N0} images are in one class, '{counts.Keys.First()}', while train has {trainClasses.Count:N0}");
            else if (foreign.Count > 0)
                warnings.Add($"{split.Name}: {foreign.Sum(c => counts[c]):N0} images in {foreign.Count} class(es) train does not have " +
                    $"({string.Join(", ", foreign.Take(5).Select(c => $"'{c}'"))}{(foreign.Count > 5 ? ", …" : "")}); kNN cannot predict them");
        }
        foreach (var split in splits.Where(s => !s.FromLabelsFile))
            foreach (var folder in split.ClassFolders.Where(PlainFolderNames.Contains))
                if (plainWarned.Add(split.Name + "/" + folder))
                    warnings.Add($"{split.Name}: the class folder '{Path.Combine(split.Dir, folder)}' is named like a plain sub-folder; its " +
                        $"{split.Files.Count(f => f.Class == folder):N0} images get the class '{folder}'. If that is not a class: {Fix(split)}");
    }

    // The fix, with a candidate labels file when the split folder holds one (Tiny-ImageNet: val/val_annotations.txt).
    private static string Fix(ListedSplit split)
    {
        var candidate = Directory.EnumerateFiles(split.Dir).Where(f => Path.GetExtension(f).ToLowerInvariant() is ".txt" or ".csv" or ".tsv")
            .Order(StringComparer.Ordinal).FirstOrDefault();
        return $"Label its images with --labels FILE (one 'path CLASS' line per image, the path relative to the input folder or just the file name" +
            (candidate is null ? "" : $"; e.g. --labels {candidate}") +
            "; images of a split FILE does not mention keep their class folders), or ingest with --unlabelled";
    }
}
