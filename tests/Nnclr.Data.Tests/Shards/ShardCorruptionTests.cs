using System.Buffers.Binary;
using System.Text.Json.Nodes;
using K4os.Hash.xxHash;
using Nnclr.Data.Shards;

namespace Nnclr.Data.Tests.Shards;

/// <summary>Real CIFAR records written to small shards, then corrupted byte by byte.</summary>
[Collection("cifar")]
public sealed class ShardCorruptionTests(CifarFixture cifar)
{
    /// <summary>Writes the first <paramref name="count"/> CIFAR test records as a dataset with 4 records per block.</summary>
    private string WriteSmall(TempDir tmp, string name, int count)
    {
        var dir = tmp.Sub(name);
        using var source = ShardDataset.Open(cifar.DatasetDir, "test");
        using var w = new DatasetWriter(dir, name, source.Classes, 32, 32, recordsPerBlock: 4);
        var split = w.BeginSplit("test");
        var img = new byte[3072];
        for (int i = 0; i < count; i++) { int label = source.ReadRecord(i, img); split.Add(img, [label]); }
        w.Complete();
        return dir;
    }

    private static string ShardPath(string dir) => Path.Combine(dir, "test-00000.shard");

    private static ShardFormatException OpenAndReadAll(string dir)
    {
        return Assert.Throws<ShardFormatException>(() =>
        {
            using var ds = ShardDataset.Open(dir, "test");
            var img = new byte[ds.ImageBytes];
            for (int i = 0; i < ds.Count; i++) ds.ReadRecord(i, img);
        });
    }

    private static void Patch(string path, Action<byte[]> edit)
    {
        var bytes = File.ReadAllBytes(path);
        edit(bytes);
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void Open_WrongMagic_NamesShardAndMagic()
    {
        using var tmp = new TempDir();
        var dir = WriteSmall(tmp, "d", 12);
        Patch(ShardPath(dir), b => b[0] ^= 0xFF);
        var e = OpenAndReadAll(dir);
        Assert.Contains("test-00000.shard", e.Message);
        Assert.Contains("magic", e.Message);
    }

    [Fact]
    public void Open_FutureVersion_NamesShardAndVersion()
    {
        using var tmp = new TempDir();
        var dir = WriteSmall(tmp, "d", 12);
        Patch(ShardPath(dir), b => b[8] = 3);
        var e = OpenAndReadAll(dir);
        Assert.Contains("test-00000.shard", e.Message);
        Assert.Contains("version 3", e.Message);
    }

    [Fact]
    public void Open_TruncatedFile_SaysTruncated()
    {
        using var tmp = new TempDir();
        var dir = WriteSmall(tmp, "d", 12);
        var bytes = File.ReadAllBytes(ShardPath(dir));
        File.WriteAllBytes(ShardPath(dir), bytes[..(bytes.Length - 30)]);
        var e = OpenAndReadAll(dir);
        Assert.Contains("test-00000.shard", e.Message);
        Assert.Contains("truncated", e.Message);
        // Without the manifest's size check, the reader itself finds it too.
        var r = Assert.Throws<ShardFormatException>(() => new ShardReader(ShardPath(dir)));
        Assert.Contains("truncated", r.Message);
    }

    [Fact]
    public void ReadRecord_FlippedByteInBlock2_NamesShardAndBlock()
    {
        using var tmp = new TempDir();
        var dir = WriteSmall(tmp, "d", 12);
        int offset;
        using (var r = new ShardReader(ShardPath(dir))) offset = 64 + r.BlockStoredBytes(0) + r.BlockStoredBytes(1) + 5;
        Patch(ShardPath(dir), b => b[offset] ^= 0x10);
        using var ds = ShardDataset.Open(dir, "test");
        var img = new byte[3072];
        ds.ReadRecord(0, img);
        var e = Assert.Throws<ShardFormatException>(() => ds.ReadRecord(9, img));
        Assert.Contains("test-00000.shard", e.Message);
        Assert.Contains("block 2: checksum mismatch", e.Message);
    }

    [Fact]
    public void Open_IndexEntryPointsOutsideFile_NamesBlock()
    {
        using var tmp = new TempDir();
        var dir = WriteSmall(tmp, "d", 12);
        var path = ShardPath(dir);
        var bytes = File.ReadAllBytes(path);
        long indexOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(40));
        var entry1 = bytes.AsSpan((int)indexOffset + 24);
        BinaryPrimitives.WriteUInt64LittleEndian(entry1, 1_000_000);
        var index = bytes.AsSpan((int)indexOffset, 3 * 24);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)indexOffset + 3 * 24), XXH64.DigestOf(index)); // a consistent but wrong index
        File.WriteAllBytes(path, bytes);
        var e = OpenAndReadAll(dir);
        Assert.Contains("test-00000.shard", e.Message);
        Assert.Contains("block 1: index entry out of range", e.Message);
    }

    [Fact]
    public void Open_ShardFromAnotherDataset_ReportsManifestMismatch()
    {
        using var tmp = new TempDir();
        var dir = WriteSmall(tmp, "d", 12);
        var other = WriteSmall(tmp, "o", 16);
        File.Copy(ShardPath(other), ShardPath(dir), overwrite: true);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")))!;
        manifest["splits"]![0]!["shards"]![0]!["bytes"] = new FileInfo(ShardPath(dir)).Length;
        File.WriteAllText(Path.Combine(dir, "manifest.json"), manifest.ToJsonString());
        var e = OpenAndReadAll(dir);
        Assert.Contains("test-00000.shard", e.Message);
        Assert.Contains("manifest/shard mismatch", e.Message);
    }

    /// <summary>Moves one record's worth of count from one class to another in the split (and, if asked, in shard 0), keeping every sum.</summary>
    private static void EditClassCounts(string dir, bool alsoShard, bool dropShardCounts = false)
    {
        var path = Path.Combine(dir, "manifest.json");
        var m = JsonNode.Parse(File.ReadAllText(path))!;
        var split = m["splits"]![0]!;
        static void Move(JsonArray counts)
        {
            int from = Enumerable.Range(0, counts.Count).First(i => counts[i]!.GetValue<int>() > 0), to = (from + 1) % counts.Count;
            counts[from] = counts[from]!.GetValue<int>() - 1;
            counts[to] = counts[to]!.GetValue<int>() + 1;
        }
        Move(split["classCounts"]!.AsArray());
        if (alsoShard) Move(split["shards"]![0]!["classCounts"]!.AsArray());
        if (dropShardCounts) foreach (var shard in split["shards"]!.AsArray()) shard!.AsObject().Remove("classCounts");
        File.WriteAllText(path, m.ToJsonString());
    }

    [Fact]
    public void Open_EditedSplitClassCounts_IsRefusedAtOpen()
    {
        using var tmp = new TempDir();
        var dir = WriteSmall(tmp, "d", 12);
        EditClassCounts(dir, alsoShard: false);
        var e = Assert.Throws<ShardFormatException>(() => ShardDataset.Open(dir, "test"));
        Assert.Contains("manifest.json", e.Message);
        Assert.Contains("manifest says", e.Message);
    }

    [Fact]
    public void Open_EditedShardAndSplitClassCounts_IsRefusedByTheHeaderHash()
    {
        using var tmp = new TempDir();
        var dir = WriteSmall(tmp, "d", 12);
        EditClassCounts(dir, alsoShard: true);
        var e = Assert.Throws<ShardFormatException>(() => ShardDataset.Open(dir, "test"));
        Assert.Contains("test-00000.shard", e.Message);
        Assert.Contains("do not match the shard's records", e.Message);
    }

    [Fact]
    public void Open_OlderManifestWithoutShardCounts_RecountsLabels()
    {
        using var tmp = new TempDir();
        var good = WriteSmall(tmp, "good", 12);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(good, "manifest.json")))!;
        foreach (var shard in manifest["splits"]![0]!["shards"]!.AsArray()) shard!.AsObject().Remove("classCounts");
        File.WriteAllText(Path.Combine(good, "manifest.json"), manifest.ToJsonString());
        using (var ds = ShardDataset.Open(good, "test")) Assert.Equal(12, ds.Count);
        var edited = WriteSmall(tmp, "edited", 12);
        EditClassCounts(edited, alsoShard: false, dropShardCounts: true);
        var e = Assert.Throws<ShardFormatException>(() => ShardDataset.Open(edited, "test"));
        Assert.Contains("manifest says", e.Message);
    }

    [Fact]
    public void Open_MissingShardOrManifest_NamesTheFile()
    {
        using var tmp = new TempDir();
        var dir = WriteSmall(tmp, "d", 12);
        File.Delete(ShardPath(dir));
        Assert.Contains("test-00000.shard': file is missing", OpenAndReadAll(dir).Message);
        File.Delete(Path.Combine(dir, "manifest.json"));
        Assert.Contains("manifest.json", OpenAndReadAll(dir).Message);
        var split = Assert.Throws<ShardFormatException>(() => ShardDataset.Open(WriteSmall(tmp, "e", 4), "train"));
        Assert.Contains("no split 'train'", split.Message);
    }

    [Fact]
    public void Read_EveryHeaderIndexByteAndStridedBlockByteFlipped_IsDetected()
    {
        using var tmp = new TempDir();
        var dir = WriteSmall(tmp, "d", 10);
        var original = File.ReadAllBytes(ShardPath(dir));
        long indexOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(original.AsSpan(40));
        var probe = tmp.Sub("probe.shard");
        var raw = new byte[4 * (3072 + 2)];
        int checkedBytes = 0;
        for (int at = 0; at < original.Length; at++)
        {
            bool inBlocks = at >= 64 && at < indexOffset;
            if (inBlocks && at % 11 != 0) continue;
            var bytes = (byte[])original.Clone();
            bytes[at] ^= (byte)(1 << (at % 8));
            File.WriteAllBytes(probe, bytes);
            var e = Assert.Throws<ShardFormatException>(() =>
            {
                using var r = new ShardReader(probe);
                for (int b = 0; b < r.BlockCount; b++) r.DecodeBlock(b, raw, 10);
            });
            Assert.Contains("probe.shard", e.Message);
            checkedBytes++;
        }
        Assert.True(checkedBytes > 2000, $"only {checkedBytes} flips checked");
    }
}
