using System.Formats.Tar;
using System.IO.Compression;

namespace Nnclr.Model.Tests;

/// <summary>
/// The first records of data_batch_1 (train) and data_batch_2 (held-out) from the shared CIFAR-10 archive, read in
/// the test itself (the model project does not depend on Nnclr.Data).
/// </summary>
internal static class CifarSample
{
    public const int RecordSize = 3073;
    private static readonly Lazy<(byte[] Train, byte[] Held)> Records = new(Load);

    /// <summary>First 4,000 records of data_batch_1 (label byte + 3,072 CHW pixels each).</summary>
    public static byte[] Train => Records.Value.Train;
    /// <summary>First 1,000 records of data_batch_2.</summary>
    public static byte[] HeldOut => Records.Value.Held;

    public static string ArchivePath()
    {
        var env = Environment.GetEnvironmentVariable("NNCLR_SHARED_DATA");
        if (!string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, "cifar-10-binary.tar.gz")))
            return Path.Combine(env, "cifar-10-binary.tar.gz");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "cifar-10-binary.tar.gz");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("shared/data/cifar-10-binary.tar.gz not found above " + AppContext.BaseDirectory + " (or set NNCLR_SHARED_DATA)");
    }

    private static (byte[], byte[]) Load()
    {
        byte[]? train = null, held = null;
        using var gz = new GZipStream(File.OpenRead(ArchivePath()), CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        while ((train is null || held is null) && tar.GetNextEntry() is { } entry)
        {
            if (entry.Name.EndsWith("data_batch_1.bin", StringComparison.Ordinal)) train = ReadPrefix(entry.DataStream!, 4000 * RecordSize);
            else if (entry.Name.EndsWith("data_batch_2.bin", StringComparison.Ordinal)) held = ReadPrefix(entry.DataStream!, 1000 * RecordSize);
        }
        if (train is null || held is null) throw new InvalidDataException("archive lacks data_batch_1.bin or data_batch_2.bin");
        return (train, held);
    }

    private static byte[] ReadPrefix(Stream s, int count)
    {
        var buffer = new byte[count];
        s.ReadExactly(buffer);
        return buffer;
    }

    public static int Label(byte[] records, int i) => records[i * RecordSize];

    /// <summary>Pixels of records [start, start+count) as float [count, 3, 32, 32] in [0, 1] normalised by CIFAR mean/std.</summary>
    public static float[] Images(byte[] records, int start, int count)
    {
        float[] mean = [0.4914f, 0.4822f, 0.4465f], std = [0.2470f, 0.2435f, 0.2616f];
        var x = new float[count * 3072];
        for (int i = 0; i < count; i++)
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < 1024; p++)
                    x[i * 3072 + c * 1024 + p] = (records[(start + i) * RecordSize + 1 + c * 1024 + p] / 255f - mean[c]) / std[c];
        return x;
    }
}
