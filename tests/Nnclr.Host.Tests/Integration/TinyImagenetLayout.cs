using System.Globalization;

namespace Nnclr.Host.Tests.Integration;

/// <summary>
/// A small labelled JPEG dataset in Tiny-ImageNet's layout, made of file symlinks to ../shared/data/imagenet-sample-500
/// (read in place): <c>train/CLASS/images/*.JPEG</c> with <c>train/CLASS/CLASS_boxes.txt</c>, <c>val/images/val_N.JPEG</c>
/// with <c>val/val_annotations.txt</c> (file, class, bounding box, tab-separated), and <c>wnids.txt</c>.
/// </summary>
internal static class TinyImagenetLayout
{
    public const int Classes = 4, TrainPerClass = 6, ValPerClass = 3;

    /// <summary>Writes the layout into <paramref name="root"/>; returns each validation file's class.</summary>
    public static IReadOnlyDictionary<string, string> Write(string root)
    {
        var photos = Directory.GetFiles(SharedPhotos(), "*.JPEG").Order(StringComparer.Ordinal).ToArray();
        var valClasses = new Dictionary<string, string>(StringComparer.Ordinal);
        var annotations = new List<string>();
        int next = 0;
        var names = Enumerable.Range(0, Classes).Select(c => Path.GetFileName(photos[c * (TrainPerClass + ValPerClass)])[..9]).ToArray();
        for (int c = 0; c < Classes; c++)
        {
            var images = Directory.CreateDirectory(Path.Combine(root, "train", names[c], "images")).FullName;
            File.WriteAllText(Path.Combine(root, "train", names[c], names[c] + "_boxes.txt"), "");
            for (int i = 0; i < TrainPerClass; i++)
                File.CreateSymbolicLink(Path.Combine(images, $"{names[c]}_{i}.JPEG"), photos[next++]);
            for (int i = 0; i < ValPerClass; i++)
            {
                var file = $"val_{valClasses.Count}.JPEG";
                Directory.CreateDirectory(Path.Combine(root, "val", "images"));
                File.CreateSymbolicLink(Path.Combine(root, "val", "images", file), photos[next++]);
                valClasses[file] = names[c];
                annotations.Add(string.Create(CultureInfo.InvariantCulture, $"{file}\t{names[c]}\t0\t{i}\t40\t62"));
            }
        }
        File.WriteAllLines(Path.Combine(root, "val", "val_annotations.txt"), annotations);
        File.WriteAllLines(Path.Combine(root, "wnids.txt"), names);
        return valClasses;
    }

    public static string SharedPhotos()
    {
        var env = Environment.GetEnvironmentVariable("NNCLR_SHARED_DATA");
        if (!string.IsNullOrEmpty(env)) return Path.Combine(env, "imagenet-sample-500");
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, "shared", "data", "imagenet-sample-500"))) return Path.Combine(d.FullName, "shared", "data", "imagenet-sample-500");
        throw new DirectoryNotFoundException("shared/data/imagenet-sample-500 not found above the test assembly (set NNCLR_SHARED_DATA)");
    }
}
