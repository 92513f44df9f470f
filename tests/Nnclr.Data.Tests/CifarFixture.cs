using System.Formats.Tar;
using System.IO.Compression;
using Nnclr.Data.Ingest;

namespace Nnclr.Data.Tests;

/// <summary>CIFAR-10 ingested once from the shared archive for every test in the "cifar" collection, plus the raw test batch.</summary>
public sealed class CifarFixture : IDisposable
{
    private readonly TempDir _dir = new();
    public string DatasetDir { get; }
    public IngestReport Report { get; }
    /// <summary>test_batch.bin as read straight from the archive, independent of the ingest code.</summary>
    public byte[] RawTestBatch { get; }
    public byte[] RawTrainBatch1 { get; }
    public byte[] RawMeta { get; }

    public CifarFixture()
    {
        DatasetDir = _dir.Sub("cifar10");
        Report = CifarIngest.Run(TestData.CifarArchive, DatasetDir, CifarKind.Cifar10);
        using var gz = new GZipStream(File.OpenRead(TestData.CifarArchive), CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        byte[]? test = null, train = null, meta = null;
        while (tar.GetNextEntry() is { } e)
        {
            if (e.DataStream is null) continue;
            var ms = new MemoryStream();
            switch (Path.GetFileName(e.Name))
            {
                case "test_batch.bin": e.DataStream.CopyTo(ms); test = ms.ToArray(); break;
                case "data_batch_1.bin": e.DataStream.CopyTo(ms); train = ms.ToArray(); break;
                case "batches.meta.txt": e.DataStream.CopyTo(ms); meta = ms.ToArray(); break;
            }
        }
        (RawTestBatch, RawTrainBatch1, RawMeta) = (test!, train!, meta!);
    }

    /// <summary>Record i of a raw CIFAR-10 batch as HWC RGB, and its label.</summary>
    public static (byte[] Hwc, int Label) RawRecord(byte[] batch, int i)
    {
        var rec = batch.AsSpan(i * 3073, 3073);
        var hwc = new byte[3072];
        for (int p = 0; p < 1024; p++) for (int c = 0; c < 3; c++) hwc[p * 3 + c] = rec[1 + c * 1024 + p];
        return (hwc, rec[0]);
    }

    public void Dispose() => _dir.Dispose();
}

[CollectionDefinition("cifar")]
public sealed class CifarCollection : ICollectionFixture<CifarFixture>;
