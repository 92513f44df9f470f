using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;

namespace Nnclr.Data.Tests.Ingest;

/// <summary>STL-10's official binary layout, written small by hand: 3 column-major planes per 96×96 image, labels 1..10.</summary>
public sealed class Stl10IngestTests
{
    private const int Side = 96, Plane = Side * Side;

    /// <summary>Image k: R = (x + k) mod 256, G = y, B = 200 except pixel (x 5, y 2) which is 7. Column-major: byte c·9216 + x·96 + y.</summary>
    private static byte[] Images(int count, int offset)
    {
        var data = new byte[count * 3 * Plane];
        for (int k = 0; k < count; k++)
            for (int x = 0; x < Side; x++)
                for (int y = 0; y < Side; y++)
                {
                    int b = k * 3 * Plane + x * Side + y;
                    data[b] = (byte)(x + k + offset);
                    data[b + Plane] = (byte)y;
                    data[b + 2 * Plane] = (byte)(x == 5 && y == 2 ? 7 : 200);
                }
        return data;
    }

    private static string Write(TempDir tmp, bool unlabelled, byte[]? trainLabels = null)
    {
        var dir = tmp.Sub("stl10_binary");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "train_X.bin"), Images(5, 0));
        File.WriteAllBytes(Path.Combine(dir, "train_y.bin"), trainLabels ?? [1, 2, 10, 3, 1]);
        File.WriteAllBytes(Path.Combine(dir, "test_X.bin"), Images(3, 50));
        File.WriteAllBytes(Path.Combine(dir, "test_y.bin"), [4, 5, 6]);
        if (unlabelled) File.WriteAllBytes(Path.Combine(dir, "unlabeled_X.bin"), Images(4, 100));
        File.WriteAllLines(Path.Combine(dir, "class_names.txt"), ["airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"]);
        return dir;
    }

    [Fact]
    public void Run_OfficialLayout_TransposesColumnMajorPlanesAndKeepsLabels()
    {
        using var tmp = new TempDir();
        var report = Stl10Ingest.Run(Write(tmp, unlabelled: true), tmp.Sub("out"));
        Assert.Equal(5, report.Written["train"]);
        Assert.Equal(3, report.Written["test"]);
        Assert.Equal(5 + 4, report.Written["train+unlabelled"]);
        using var train = ShardDataset.Open(tmp.Sub("out"), "train");
        Assert.Equal((96, 96), (train.Height, train.Width));
        Assert.Equal("truck", train.Classes[9]);
        var img = new byte[train.ImageBytes];
        Assert.Equal(9, train.ReadRecord(2, img));
        int at(int x, int y) => (y * Side + x) * 3;
        Assert.Equal(new byte[] { (byte)(40 + 2), 17, 200 }, img.AsSpan(at(40, 17), 3).ToArray());
        Assert.Equal(7, img[at(5, 2) + 2]);
        Assert.Equal(200, img[at(2, 5) + 2]);
        Assert.True(train.Manifest.FindSplit("train")!.Labelled);
        // The self-supervised split: the 5 train images, then the 4 unlabelled ones, without labels.
        Assert.False(train.Manifest.FindSplit("train+unlabelled")!.Labelled);
        using var unl = ShardDataset.Open(tmp.Sub("out"), "train+unlabelled");
        Assert.Equal(0, unl.ReadRecord(2, img));
        Assert.Equal(new byte[] { (byte)(40 + 2), 17, 200 }, img.AsSpan(at(40, 17), 3).ToArray());
        Assert.Equal(0, unl.ReadRecord(5 + 3, img));
        Assert.Equal((byte)(10 + 3 + 100), img[at(10, 0)]);
    }

    [Fact]
    public void Run_LabelOutsideOneToTen_NamesTheFileAndImage()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<IngestException>(() => Stl10Ingest.Run(Write(tmp, unlabelled: false, trainLabels: [1, 2, 11, 3, 1]), tmp.Sub("out")));
        Assert.Contains("train_y.bin", e.Message);
        Assert.Contains("label 11 of image 2", e.Message);
        Assert.False(File.Exists(Path.Combine(tmp.Sub("out"), "manifest.json")));
    }
}
