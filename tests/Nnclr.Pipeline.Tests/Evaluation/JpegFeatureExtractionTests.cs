using Nnclr.Data.Ingest;
using Nnclr.Data.Shards;
using Nnclr.Pipeline.Evaluation;
using SkiaSharp;
using TorchSharp;

namespace Nnclr.Pipeline.Tests.Evaluation;

/// <summary>Issue #11 point 5: kNN/linear evaluation on a labelled jpeg dataset (decoded on the worker threads).</summary>
public sealed class JpegFeatureExtractionTests
{
    // Class 0 reddish, class 1 bluish, with per-image noise and size, so nearest neighbours find the class only if the
    // records decode to the right pixels under the right labels.
    private static void Paint(string path, int cls, int seed)
    {
        var rng = new Random(seed);
        int w = 70 + rng.Next(60), h = 50 + rng.Next(60);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int n = rng.Next(60);
                bmp.SetPixel(x, y, cls == 0 ? new SKColor((byte)(180 + n), (byte)(40 + n), (byte)(40 + n)) : new SKColor((byte)(40 + n), (byte)(60 + n), (byte)(180 + n)));
            }
        using var data = bmp.Encode(SKEncodedImageFormat.Jpeg, 90);
        File.WriteAllBytes(path, data.ToArray());
    }

    // 12 red and 12 blue images per split, ingested as a labelled jpeg dataset into ROOT/ds.
    private static void Ingest(string root)
    {
        int seed = 0;
        foreach (var split in new[] { "train", "test" })
            foreach (var (cls, name) in new[] { (0, "a-red"), (1, "b-blue") })
                for (int i = 0; i < 12; i++) Paint(Path.Combine(root, "in", split, name, $"{i}.jpg"), cls, seed++);
        FolderIngest.Run(Path.Combine(root, "in"), Path.Combine(root, "ds"), new FolderIngestOptions { Format = ShardCodec.Jpeg, MaxSide = 512 });
    }

    [Fact]
    public void ExtractMany_TwoNetworksInOnePass_SameFeaturesAndAccuraciesAsOnePassEach()
    {
        var root = Path.Combine(Path.GetTempPath(), "nnclr-jpegeval-" + Guid.NewGuid().ToString("N"));
        try
        {
            Ingest(root);
            using var train = ShardDataset.Open(Path.Combine(root, "ds"), "train");
            float[] zero = [0, 0, 0], one = [1, 1, 1];
            // Two different "networks": the pixels, and the per-channel means (3 features).
            Func<torch.Tensor, torch.Tensor>[] networks = [x => x.flatten(1).clone(), x => x.mean([2, 3])];

            var (many, labels) = FeatureExtractor.ExtractMany(train, networks, torch.CPU, 32, zero, one, batchSize: 5, threads: 2);
            try
            {
                Assert.Equal(2, many.Length);
                for (int k = 0; k < networks.Length; k++)
                {
                    var (one_, l) = FeatureExtractor.Extract(train, networks[k], torch.CPU, 32, zero, one, batchSize: 5, threads: 2);
                    using (one_) using (l)
                    {
                        Assert.Equal(one_.shape, many[k].shape);
                        Assert.Equal(one_.data<float>().ToArray(), many[k].data<float>().ToArray());
                        Assert.Equal(l.data<long>().ToArray(), labels.data<long>().ToArray());
                    }
                }
            }
            finally
            {
                foreach (var f in many) f.Dispose();
                labels.Dispose();
            }

            using var test = ShardDataset.Open(Path.Combine(root, "ds"), "test");
            var knn = new KnnEvaluation(train, test, 32, zero, one, k: 5, threads: 2);
            var both = knn.EvaluateMany(networks, torch.CPU);
            Assert.Equal([knn.Evaluate(networks[0], torch.CPU), knn.Evaluate(networks[1], torch.CPU)], both);
            Assert.Equal((1.0, 1.0), both[0]); // red and blue separate on the pixels: the check is not vacuous
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void Extract_LabelledJpegDataset_DecodesEveryRecordUnderItsLabel()
    {
        var root = Path.Combine(Path.GetTempPath(), "nnclr-jpegeval-" + Guid.NewGuid().ToString("N"));
        try
        {
            Ingest(root);
            using var train = ShardDataset.Open(Path.Combine(root, "ds"), "train");
            using var test = ShardDataset.Open(Path.Combine(root, "ds"), "test");
            Assert.Equal(ShardCodec.Jpeg, test.Codec);
            float[] zero = [0, 0, 0], one = [1, 1, 1];
            var (ftr, ltr) = FeatureExtractor.Extract(train, x => x.flatten(1).clone(), torch.CPU, 32, zero, one, batchSize: 5, threads: 2);
            var (fte, lte) = FeatureExtractor.Extract(test, x => x.flatten(1).clone(), torch.CPU, 32, zero, one, batchSize: 5, threads: 2);
            using (ftr) using (ltr) using (fte) using (lte)
            {
                Assert.Equal(new long[] { 24, 3 * 32 * 32 }, fte.shape);
                // Labels in record order, as stored.
                var buffer = new byte[test.MaxRecordBytes];
                var labels = lte.data<long>().ToArray();
                for (int i = 0; i < test.Count; i++) Assert.Equal(test.ReadEncoded(i, buffer).Label, labels[i]);
                Assert.Equal(12, labels.Count(l => l == 0));
                // Pixels in [0, 1] (mean 0, std 1): the red class's red plane is bright, its blue plane dark. Also with one
                // worker and a fast network, where a batch's buffer was once filled with the next batch's images.
                foreach (var (batch, threads) in new[] { (5, 2), (5, 1), (24, 1) })
                {
                    var (f, l) = batch == 5 && threads == 2 ? (fte, lte) : FeatureExtractor.Extract(test, x => x.flatten(1).clone(), torch.CPU, 32, zero, one, batchSize: batch, threads: threads);
                    var x = f.data<float>().ToArray();
                    int per = 3 * 32 * 32, plane = 32 * 32;
                    for (int i = 0; i < test.Count; i++)
                    {
                        double r = x.Skip(i * per).Take(plane).Average(), b = x.Skip(i * per + 2 * plane).Take(plane).Average();
                        Assert.True(labels[i] == 0 ? r > b + 0.3 : b > r + 0.3, $"batch {batch}, {threads} thread(s): record {i} (label {labels[i]}): red {r:F2}, blue {b:F2}");
                    }
                    if (!ReferenceEquals(f, fte)) { f.Dispose(); l.Dispose(); }
                }
                // 1-NN from test to train finds the class of every record.
                using var sims = torch.nn.functional.normalize(fte, dim: 1).matmul(torch.nn.functional.normalize(ftr, dim: 1).t());
                using var nearest = sims.argmax(1);
                var trainLabels = ltr.data<long>().ToArray();
                var nn = nearest.data<long>().ToArray();
                for (int i = 0; i < test.Count; i++) Assert.Equal(labels[i], trainLabels[nn[i]]);
            }
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
