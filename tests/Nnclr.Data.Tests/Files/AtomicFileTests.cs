using System.Text;
using Nnclr.Data;

namespace Nnclr.Data.Tests.Files;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nnclr-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WriteAllText_ReplacesTheFile_Utf8WithoutBom_NoTempLeft()
    {
        var path = Path.Combine(_dir, "a.json");
        File.WriteAllText(path, "old");
        AtomicFile.WriteAllText(path, "{\"é\":1}");
        Assert.Equal(Encoding.UTF8.GetBytes("{\"é\":1}"), File.ReadAllBytes(path));
        Assert.Equal(["a.json"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_ThatThrows_LeavesTheOldFileAndNoTemp()
    {
        var path = Path.Combine(_dir, "b.bin");
        File.WriteAllBytes(path, [1, 2, 3]);
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write([9, 9, 9, 9]);
            throw new IOException("disk full");
        }));
        Assert.Equal("disk full", e.Message);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal(["b.bin"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Begin_SeeksAndCommits_OrIsDroppedWithoutCommit()
    {
        var path = Path.Combine(_dir, "c.bin");
        using (var pending = AtomicFile.Begin(path))
        {
            pending.Stream.Write([0, 0, 7]);
            pending.Stream.Position = 0;
            pending.Stream.Write([5]);
            Assert.False(File.Exists(path)); // nothing under the final name before the commit
            Assert.Equal(3, pending.Commit());
        }
        Assert.Equal([5, 0, 7], File.ReadAllBytes(path));

        using (var dropped = AtomicFile.Begin(path)) dropped.Stream.Write([1]);
        Assert.Equal([5, 0, 7], File.ReadAllBytes(path));
        Assert.Equal(["c.bin"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_FailingWithDataStillBuffered_DeletesTheTempFile()
    {
        // A write that throws while the stream still holds unflushed bytes (as on a full disk, where closing fails too).
        var path = Path.Combine(_dir, "d.bin");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100]); // stays in the stream's buffer
            throw new InvalidOperationException("stage failed");
        }, bufferSize: 1 << 16));
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
