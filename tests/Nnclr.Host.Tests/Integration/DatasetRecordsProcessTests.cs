using System.Text.Json;

namespace Nnclr.Host.Tests.Integration;

/// <summary>Issue #28: a new labelled JPEG dataset (Tiny-ImageNet's layout), tried as a user would; the records must tell the truth.</summary>
[Collection("train-process")]
public sealed class DatasetRecordsProcessTests(DemoData demo) : IClassFixture<DemoData>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    /// <summary>Point 1: without --labels the layout is refused with the fix; with val_annotations.txt it gives two splits with their real classes.</summary>
    [Fact]
    public async Task IngestTinyImagenetLayout_WithoutLabelsRefusedNamingTheFix_WithLabelsTwoSplitsOfRealClasses()
    {
        var input = Path.Combine(demo.Root, "tiny-" + Guid.NewGuid().ToString("N")[..6]);
        var valClasses = TinyImagenetLayout.Write(input);
        var annotations = Path.Combine(input, "val", "val_annotations.txt");

        var refused = Path.Combine(demo.Root, "tiny-refused");
        using (var p = new NnclrProcess(demo.Root, "ingest", "folder", input, "--format", "jpeg", "--out", refused))
        {
            Assert.Equal(1, await p.WaitAsync(Limit));
            Assert.Contains("the class 'images'", p.Output);
            Assert.Contains("--labels " + annotations, p.Output);
            Assert.False(File.Exists(Path.Combine(refused, "manifest.json")), "a refused ingest must not leave a dataset");
        }

        var outDir = Path.Combine(demo.Root, "tiny-labelled");
        using (var p = new NnclrProcess(demo.Root, "ingest", "folder", input, "--format", "jpeg", "--labels", annotations, "--out", outDir))
        {
            Assert.True(await p.WaitAsync(Limit) == 0, p.Output);
            // The class folders' box files and val_annotations.txt are skipped: one summary line, not one line each; all in the report.
            var textLines = p.Output.Split('\n').Where(l => l.Contains("_boxes.txt", StringComparison.Ordinal)).ToList();
            Assert.True(textLines.Count == 1, p.Output);
            Assert.Contains($"{TinyImagenetLayout.Classes + 1} × not a .jpg/.jpeg/.png file", textLines[0]);
            using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "ingest-report.json")));
            Assert.Equal(TinyImagenetLayout.Classes + 1, report.RootElement.GetProperty("skippedCount").GetInt32());
        }
        using var info = new NnclrProcess(demo.Root, "shards", "info", outDir, "--json");
        Assert.True(await info.WaitAsync(Limit) == 0, info.Output);
        using var doc = JsonDocument.Parse(info.Output[info.Output.IndexOf('{')..]);
        var classes = doc.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetString()!).ToArray();
        Assert.Equal(valClasses.Values.Distinct().Order(StringComparer.Ordinal).ToArray(), classes);
        var splits = doc.RootElement.GetProperty("splits").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal(["train", "test"], splits.Keys.ToArray());
        int[] Counts(string split) => splits[split].GetProperty("classCounts").EnumerateArray().Select(c => c.GetProperty("count").GetInt32()).ToArray();
        Assert.Equal(Enumerable.Repeat(TinyImagenetLayout.TrainPerClass, TinyImagenetLayout.Classes), Counts("train"));
        Assert.Equal(Enumerable.Repeat(TinyImagenetLayout.ValPerClass, TinyImagenetLayout.Classes), Counts("test"));
        // The first test record carries the class the annotations give its file.
        var first = splits["test"].GetProperty("firstRecord");
        var file = Path.GetFileName(first.GetProperty("sourcePath").GetString()!);
        Assert.Equal(valClasses[file], first.GetProperty("className").GetString());
    }
}
