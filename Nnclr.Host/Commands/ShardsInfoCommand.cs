using Nnclr.Data.Shards;
using Nnclr.Host.Cli;
using Nnclr.Host.Commands.Data;

namespace Nnclr.Host.Commands;

/// <summary>`nnclr shards info DIR`: what a dataset folder holds, checked against its shards.</summary>
public sealed class ShardsInfoCommand : ICliCommand
{
    public string Name => "shards info";
    public string Summary => "counts per split and class, image size, bytes and compression ratio of a dataset";
    public IReadOnlyList<CliOption> Options { get; } =
    [
        SharedOptions.Json,
        CliOption.Switch("verify", "Decode every record and check every checksum"),
    ];
    public IReadOnlyList<CliArgument> Arguments { get; } = [new("DIR", "The dataset folder")];

    public Task<int> RunAsync(CliArgs args, CancellationToken ct)
    {
        var dir = args.Positional(0, "the dataset folder");
        bool json = args.Flag("json"), verify = args.Flag("verify");
        args.EnsureAllUsed();
        try
        {
            var manifest = ManifestFile.Load(dir);
            var splits = new List<SplitInfo>();
            foreach (var s in manifest.Splits)
            {
                using var ds = ShardDataset.Open(dir, s.Name);
                long raw = s.Shards.Sum(e => e.RawBytes), stored = ds.StoredBytes;
                bool jpeg = ds.Codec == ShardCodec.Jpeg;
                var first = new byte[jpeg ? ds.MaxRecordBytes : ds.ImageBytes];
                var (firstBytes, firstLabel) = jpeg ? ds.ReadEncoded(0, first) : (0, ds.ReadRecord(0, first));
                int[]? recount = verify ? Recount(ds) : null;
                if (recount is not null && !recount.SequenceEqual(s.ClassCounts))
                    throw new ShardFormatException($"manifest '{ManifestFile.PathIn(dir)}': split '{s.Name}' class counts differ from the labels in its shards");
                splits.Add(new SplitInfo(s.Name, ds.Count, s.Shards.Count, ds.BlockCount,
                    manifest.Classes.Select((c, i) => new ClassCount(c, s.ClassCounts[i])).ToArray(),
                    stored, raw, Math.Round((double)raw / stored, 4),
                    jpeg ? new FirstRecord(firstLabel, manifest.Classes[firstLabel], [], ds.SourcePath(0), firstBytes)
                         : new FirstRecord(firstLabel, manifest.Classes[firstLabel], first[..3].Select(b => (int)b).ToArray()), verify));
            }
            var info = new
            {
                directory = Path.GetFullPath(dir), name = manifest.Name, formatVersion = manifest.FormatVersion, codec = manifest.Codec,
                height = manifest.Height, width = manifest.Width, channels = manifest.Channels, classes = manifest.Classes,
                recordsPerBlock = manifest.RecordsPerBlock, source = manifest.Source, splits,
            };
            if (json) JsonOut.Write(info);
            else PrintText(manifest, splits);
            return Task.FromResult(0);
        }
        catch (ShardFormatException e)
        {
            Console.Error.WriteLine($"nnclr shards info: {e.Message}");
            return Task.FromResult(1);
        }
    }

    private static int[] Recount(ShardDataset ds)
    {
        var counts = new int[ds.Classes.Count];
        var r = new EpochReader(ds, 0, new DataCursor(0, 0), shuffle: false);
        var img = new byte[ds.Codec == ShardCodec.Jpeg ? ds.MaxRecordBytes : ds.ImageBytes]; var label = new int[1]; var key = new long[1]; var length = new int[1];
        for (int i = 0; i < ds.Count; i++)
        {
            if (ds.Codec == ShardCodec.Jpeg) r.ReadEncodedBatch(1, img, img.Length, length, label, key);
            else r.ReadBatch(1, img, label, key);
            counts[label[0]]++;
        }
        return counts;
    }

    private static void PrintText(DatasetManifest m, List<SplitInfo> splits)
    {
        Console.WriteLine(m.CodecKind == ShardCodec.Jpeg
            ? $"{m.Name}: JPEG records up to {m.Height}x{m.Width} ({m.MaxRecordBytes:N0} bytes at most), {m.Classes.Count} classes, format v{m.FormatVersion}, {m.RecordsPerBlock} records per block"
            : $"{m.Name}: {m.Height}x{m.Width} RGB, {m.Classes.Count} classes, format v{m.FormatVersion}, {m.RecordsPerBlock} records per block");
        foreach (var s in splits)
        {
            Console.WriteLine($"  {s.Name}: {s.Count:N0} images in {s.Shards} shard(s), {s.Blocks} blocks; {s.StoredBytes:N0} bytes stored, {s.RawBytes:N0} raw (ratio {s.CompressionRatio:F3}){(s.Verified ? ", verified" : "")}");
            Console.WriteLine($"    per class: {string.Join(", ", s.ClassCounts.Select(c => $"{c.Name} {c.Count}"))}");
            Console.WriteLine(s.FirstRecord.SourcePath is { } path
                ? $"    record 0: {s.FirstRecord.ClassName} ({s.FirstRecord.Label}), {s.FirstRecord.EncodedBytes:N0} bytes from '{path}'"
                : $"    record 0: {s.FirstRecord.ClassName} ({s.FirstRecord.Label}), first pixel ({string.Join(",", s.FirstRecord.FirstPixel)})");
        }
    }
}
