using System.Globalization;
using System.Text.Json;
using SkiaSharp;
using Xunit.Abstractions;

namespace Nnclr.Host.Tests.Integration;

/// <summary>
/// `nnclr duplicates` on real photos: copies of 100 of ../shared/data/imagenet-sample-500's images (read in place)
/// and 20 altered copies of 20 of them (mirrored, centre-cropped to 80 %, re-encoded at JPEG quality 30, in turn),
/// through a tiny-cnn trained for 150 steps on the 500 photos (32 px, trained here, once) and through the same
/// network at random initialisation. Precision: share of the pairs inside the found groups that are (copy,
/// original) pairs; recall: share of copies grouped with their original; top-1: share of copies whose nearest
/// neighbour is their original.
/// </summary>
[Collection("long-runs")]
public sealed class DuplicateFindingTests(DemoData demo, ITestOutputHelper output) : IClassFixture<DemoData>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(60);
    // The training recipe (preset cpu-smoke's tiny CNN and augmentations, 32 px views, 150 steps of 64).
    public const string Recipe = "Augment:ViewSize=32;Optim:BatchSize=64;Nnclr:SupportSetSize=1024;Optim:Epochs=40;Checkpoint:EverySteps=1000;Pipeline:AugmentThreads=2";
    // Cosine similarity at which two images count as duplicates.
    private const double Threshold = 0.98; // chosen on this data: 0.95 groups nearly everything, 0.99 misses more copies

    private async Task Run(params string[] args)
    {
        using var p = new NnclrProcess(demo.Root, args);
        int code = await p.WaitAsync(Limit);
        Assert.True(code == 0, $"exit {code}: nnclr {string.Join(' ', args)}\n{p.Output}");
    }

    private static string ImagenetSample()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, "shared", "data", "imagenet-sample-500"))) return Path.Combine(d.FullName, "shared", "data", "imagenet-sample-500");
        throw new DirectoryNotFoundException("shared/data/imagenet-sample-500 not found above the test assembly");
    }

    /// <summary>Copies of every 5th original, and altered copies "copyK_NAME.jpg" of every 25th; returns (copy, original) names.</summary>
    internal static List<(string Copy, string Original)> WriteCopies(string source, string dir)
    {
        Directory.CreateDirectory(dir);
        var files = Directory.GetFiles(source).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var originals = files.Where((_, i) => i % 5 == 0).ToList();
        foreach (var f in originals) File.Copy(Path.Combine(source, f!), Path.Combine(dir, f!));
        var pairs = new List<(string, string)>();
        for (int k = 0; k < originals.Count; k += 5)
        {
            using var bitmap = SKBitmap.Decode(Path.Combine(source, originals[k]!));
            int kind = k / 5 % 3, w = bitmap.Width, h = bitmap.Height;
            var rect = kind == 1 ? SKRectI.Create(w / 10, h / 10, w * 8 / 10, h * 8 / 10) : SKRectI.Create(0, 0, w, h);
            using var surface = SKSurface.Create(new SKImageInfo(rect.Width, rect.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
            if (kind == 0) { surface.Canvas.Translate(w, 0); surface.Canvas.Scale(-1, 1); }
            surface.Canvas.DrawBitmap(bitmap, rect, SKRect.Create(0, 0, rect.Width, rect.Height));
            using var image = surface.Snapshot();
            using var data = image.Encode(SKEncodedImageFormat.Jpeg, kind == 2 ? 30 : 90);
            var name = $"copy{kind}_{Path.GetFileNameWithoutExtension(originals[k])}.jpg";
            File.WriteAllBytes(Path.Combine(dir, name), data.ToArray());
            pairs.Add((name, originals[k]!));
        }
        return pairs;
    }

    [Fact]
    public async Task Duplicates_AlteredCopiesBesideOriginals_TrainedEncoderGroupsThemMoreCleanlyThanRandomInit()
    {
        var root = Path.Combine(demo.Root, "dup-" + Guid.NewGuid().ToString("N")[..6]);
        var photos = Path.Combine(root, "photos");
        var pairs = WriteCopies(ImagenetSample(), photos);
        Assert.Equal(20, pairs.Count);

        // The trained encoder: ingest the 500 photos at 32 px, train 150 steps (deterministic). NNCLR_DUP_RUN_DIR names a
        // run already trained by exactly these two commands (same machine → same bits), to skip the training.
        var runDir = Environment.GetEnvironmentVariable("NNCLR_DUP_RUN_DIR") ?? Path.Combine(root, "run");
        if (!Directory.Exists(runDir))
        {
            await Run("ingest", "folder", ImagenetSample(), "--unlabelled", "--size", "32", "--out", Path.Combine(root, "data"));
            await Run("train", "--preset", "cpu-smoke", "--data", Path.Combine(root, "data"), "--run-dir", runDir, "--max-steps", "150",
                "--deterministic", "--log-every", "50", "--set", Recipe);
        }
        var random = Path.Combine(root, "random.safetensors");
        await Run("export", "--random-init", "--arch", "tiny", "--out", random);

        var figures = new Dictionary<string, (double Precision, double Recall, double Top1, int Groups)>();
        foreach (var (name, checkpoint) in new[] { ("trained", runDir), ("random-init", random) })
        {
            var embeddings = Path.Combine(root, name + ".npy");
            var groupsFile = Path.Combine(root, name + "-groups.json");
            await Run("embed", "--checkpoint", checkpoint, "--images", photos, "--out", embeddings);
            await Run("duplicates", "--embeddings", embeddings, "--threshold", Threshold.ToString(CultureInfo.InvariantCulture), "--out", groupsFile);
            using var doc = JsonDocument.Parse(File.ReadAllText(groupsFile));
            var groups = doc.RootElement.GetProperty("groups").EnumerateArray()
                .Select(g => g.EnumerateArray().Select(e => e.GetProperty("path").GetString()!).ToHashSet()).ToList();
            long pairsInGroups = groups.Sum(g => (long)g.Count * (g.Count - 1) / 2);
            int found = pairs.Count(p => groups.Any(g => g.Contains(p.Copy) && g.Contains(p.Original)));
            var set = Nnclr.Model.EmbeddingSet.Read(embeddings);
            using var search = new Nnclr.Model.CosineSearch(set, TorchSharp.torch.CPU);
            var index = set.Paths.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i);
            int top1 = pairs.Count(p => set.Paths[search.TopK(set.Row(index[p.Copy]), 1, exclude: index[p.Copy])[0].Index] == p.Original);
            foreach (var t in new[] { 0.95f, 0.97f, 0.99f, 0.995f }) // the same measure at other thresholds, in-process, for the record
            {
                var g = search.Duplicates(t).Select(x => x.Select(i => set.Paths[i]).ToHashSet()).ToList();
                long inGroups = g.Sum(x => (long)x.Count * (x.Count - 1) / 2);
                int hit = pairs.Count(p => g.Any(x => x.Contains(p.Copy) && x.Contains(p.Original)));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: threshold {t}: {g.Count} groups, precision {(inGroups == 0 ? 0 : (double)hit / inGroups):P1}, recall {hit / 20.0:P0}"));
            }
            figures[name] = (pairsInGroups == 0 ? 0 : (double)found / pairsInGroups, found / 20.0, top1 / 20.0, groups.Count);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: threshold {Threshold}: {groups.Count} groups, {pairsInGroups} pairs in groups, precision {figures[name].Precision:P1}, recall {figures[name].Recall:P0}, top-1 {figures[name].Top1:P0}"));
        }
        File.WriteAllText(Path.Combine(demo.Root, "duplicate-figures.json"), JsonSerializer.Serialize(figures.ToDictionary(f => f.Key, f => new
        { precision = f.Value.Precision, recall = f.Value.Recall, top1 = f.Value.Top1, groups = f.Value.Groups })));
        var (trained, baseline) = (figures["trained"], figures["random-init"]);
        Assert.True(trained.Recall >= 0.7, $"trained recall {trained.Recall}");
        Assert.True(trained.Precision > baseline.Precision, $"trained precision {trained.Precision} vs random init {baseline.Precision}");
        Assert.True(trained.Top1 >= baseline.Top1, $"trained top-1 {trained.Top1} vs random init {baseline.Top1}");
    }
}
