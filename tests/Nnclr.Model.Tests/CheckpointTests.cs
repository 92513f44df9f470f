using Nnclr.Data.Shards;
using System.Buffers.Binary;
using System.Text;
using K4os.Hash.xxHash;

namespace Nnclr.Model.Tests;

public sealed class CheckpointTests : IDisposable
{
    // Per-test scratch folder, deleted at the end.
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"nnclr-ckpt-{Guid.NewGuid():N}");

    public CheckpointTests()
    {
        TorchSetup.Ensure();
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Lazy<TrainerState> State = new(() =>
    {
        TorchSetup.Ensure();
        using var t = TrainerData.Trainer(16, topK: 2);
        TrainerData.Run(t, 0, 2);
        return t.Snapshot();
    });

    private static CheckpointMeta Meta(long step) => new()
    {
        Step = step, Cursor = new DataCursor(4, 1234), Final = true, Seed = 7, ConfigJson = "{\"Model\":{\"Arch\":\"tiny\"},\"note\":\"é\"}",
    };

    [Fact]
    public void WriteRead_RoundTrip_BitExact()
    {
        var path = Path.Combine(_dir, "a.nnclr");
        CheckpointFile.Write(path, State.Value, Meta(2));
        var (state, meta) = CheckpointFile.Read(path);
        Assert.Equal(State.Value.Tensors.Select(t => t.Name), state.Tensors.Select(t => t.Name));
        Assert.Empty(TrainerData.Differences(State.Value, state));
        Assert.Equal(2, meta.Step);
        Assert.Equal(new DataCursor(4, 1234), meta.Cursor);
        Assert.True(meta.Final);
        Assert.Equal(State.Value.Epochs, state.Epochs);
        Assert.Equal(7, meta.Seed);
        Assert.Equal(Meta(2).ConfigJson, meta.ConfigJson);
        Assert.False(File.Exists(path + ".tmp"));
        // Same state, same meta → same bytes.
        var again = Path.Combine(_dir, "b.nnclr");
        CheckpointFile.Write(again, state, meta);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
    }

    [Theory]
    [InlineData(0.5)]   // inside the tensor data
    [InlineData(0.0001)] // inside the JSON header
    [InlineData(1.0)]   // the checksum itself
    public void Read_FlippedByte_ChecksumError(double where)
    {
        var path = Path.Combine(_dir, "flip.nnclr");
        CheckpointFile.Write(path, State.Value, Meta(2));
        var bytes = File.ReadAllBytes(path);
        int at = Math.Clamp((int)(bytes.Length * where), 20, bytes.Length - 1);
        bytes[at] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointFormatException>(() => CheckpointFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("checksum mismatch", e.Message);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(1000)]
    [InlineData(-1)] // one byte short
    public void Read_Truncated_ClearError(int keep)
    {
        var path = Path.Combine(_dir, "cut.nnclr");
        CheckpointFile.Write(path, State.Value, Meta(2));
        long length = new FileInfo(path).Length;
        using (var fs = new FileStream(path, FileMode.Open)) fs.SetLength(keep > 0 ? keep : length - 1);
        var e = Assert.Throws<CheckpointFormatException>(() => CheckpointFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Matches("truncated", e.Message);
    }

    [Fact]
    public void Read_WrongVersion_NamesBothVersions()
    {
        var path = Path.Combine(_dir, "v3.nnclr");
        CheckpointFile.Write(path, State.Value, Meta(2), version: 3);
        var e = Assert.Throws<CheckpointFormatException>(() => CheckpointFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("format version 3", e.Message);
        Assert.Contains("version 2", e.Message);
    }

    [Fact]
    public void Read_FormatVersion1_RefusedSayingWhatChangedAndWhatToDo()
    {
        var path = Path.Combine(_dir, "v1.nnclr");
        CheckpointFile.Write(path, State.Value, Meta(2), version: 1);
        var e = Assert.Throws<CheckpointFormatException>(() => CheckpointFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("format version 1", e.Message);
        Assert.Contains("reads version 2 only", e.Message);
        Assert.Contains("start a new run", e.Message);
    }

    [Fact]
    public void Read_NotACheckpoint_SaysSo()
    {
        var path = Path.Combine(_dir, "x.nnclr");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("this is a text file, not a checkpoint at all"));
        var e = Assert.Throws<CheckpointFormatException>(() => CheckpointFile.Read(path));
        Assert.Contains("not an nnclr checkpoint", e.Message);
    }

    [Fact]
    public void Read_HugeDeclaredTensorWithValidChecksum_RefusedWithoutAllocating()
    {
        // A well-formed frame whose table claims a 4 TB tensor: must be refused from the sizes alone.
        var header = Encoding.UTF8.GetBytes("{\"Meta\":{},\"Tensors\":[{\"Name\":\"x\",\"DType\":\"F32\",\"Shape\":[1048576,1048576],\"Offset\":0,\"Length\":4398046511104}]}");
        var file = new byte[20 + header.Length + 8];
        "NNCLRCKP"u8.CopyTo(file);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(8), CheckpointFile.FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(12), header.Length);
        header.CopyTo(file, 20);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(file.Length - 8), XXH64.DigestOf(file.AsSpan(0, file.Length - 8)));
        var path = Path.Combine(_dir, "huge.nnclr");
        File.WriteAllBytes(path, file);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CheckpointFormatException>(() => CheckpointFile.Read(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20);
        Assert.Contains("tensor 'x'", e.Message);
    }

    [Fact]
    public void Directory_Save_KeepsLastK()
    {
        var dir = new CheckpointDirectory(Path.Combine(_dir, "run", "checkpoints"), keepLast: 2);
        foreach (long step in new long[] { 100, 200, 300 }) dir.Save(State.Value, Meta(step));
        Assert.Equal(new[] { "ckpt-000000000200.nnclr", "ckpt-000000000300.nnclr" }, dir.List().Select(Path.GetFileName));
        var latest = dir.LoadLatestValid(_ => Assert.Fail("no warning expected"));
        Assert.NotNull(latest);
        Assert.Equal(300, latest.Value.Meta.Step);
    }

    [Fact]
    public void Directory_NewestDamaged_SkipsWithWarning()
    {
        var dir = new CheckpointDirectory(Path.Combine(_dir, "run2"), keepLast: 3);
        dir.Save(State.Value, Meta(1));
        var newest = dir.Save(State.Value, Meta(2));
        using (var fs = new FileStream(newest, FileMode.Open)) fs.SetLength(fs.Length / 2);
        var warnings = new List<string>();
        var latest = dir.LoadLatestValid(warnings.Add);
        Assert.NotNull(latest);
        Assert.Equal(1, latest.Value.Meta.Step);
        Assert.Single(warnings);
        Assert.Contains(newest, warnings[0]);
    }

    [Fact]
    public void Directory_Empty_ReturnsNull()
    {
        var dir = new CheckpointDirectory(Path.Combine(_dir, "none"), keepLast: 1);
        Assert.Null(dir.LoadLatestValid(_ => { }));
    }
}
