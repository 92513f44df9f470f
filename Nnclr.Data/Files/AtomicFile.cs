using System.Runtime.InteropServices;
using System.Text;

namespace Nnclr.Data;

/// <summary>
/// The one way nnclr replaces a file: bytes go to "PATH.tmp", are flushed and fsynced, the temp file is renamed over
/// PATH and the directory is fsynced, so a reader (or a power cut) sees the old file or the new one whole, never a
/// part. A write that fails deletes its temp file and leaves PATH as it was.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>The suffix of a file being written; a leftover one is an interrupted write, never a result.</summary>
    public const string TempSuffix = ".tmp";

    // Stream buffer for the streaming writes.
    private const int DefaultBufferSize = 1 << 16;

    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        using var pending = Begin(path);
        pending.Stream.Write(bytes);
        pending.Commit();
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="text"/> as UTF-8 without a byte-order mark.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Utf8NoBom.GetBytes(text));

    /// <summary>Replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream it is given.</summary>
    public static void Write(string path, Action<FileStream> write, int bufferSize = DefaultBufferSize)
    {
        using var pending = Begin(path, bufferSize);
        write(pending.Stream);
        pending.Commit();
    }

    /// <summary>
    /// Opens "PATH.tmp" for a write that ends in <see cref="Pending.Commit"/>; disposing it without a commit deletes
    /// the temp file (for writers that fill the file over time, e.g. a shard).
    /// </summary>
    public static Pending Begin(string path, int bufferSize = DefaultBufferSize) => new(Path.GetFullPath(path), bufferSize);

    /// <summary>A replacement being written: <see cref="Stream"/> is the temp file.</summary>
    public sealed class Pending : IDisposable
    {
        // The file replaced by Commit.
        private readonly string _path;
        // _path + TempSuffix; null once committed or abandoned.
        private string? _temp;
        private FileStream? _stream;

        internal Pending(string path, int bufferSize)
        {
            _path = path;
            _temp = path + TempSuffix;
            _stream = new FileStream(_temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, bufferSize);
        }

        /// <summary>The temp file; seekable.</summary>
        public FileStream Stream => _stream ?? throw new ObjectDisposedException(nameof(Pending));

        /// <summary>Flushes and fsyncs the temp file, renames it over the target, fsyncs the directory; returns the file's size in bytes.</summary>
        public long Commit()
        {
            var stream = Stream;
            stream.Flush(flushToDisk: true);
            long length = stream.Length;
            stream.Dispose();
            _stream = null;
            File.Move(_temp!, _path, overwrite: true);
            _temp = null;
            SyncDirectory(Path.GetDirectoryName(_path)!);
            return length;
        }

        /// <summary>Without a commit: closes and deletes the temp file (the target is untouched).</summary>
        public void Dispose()
        {
            // Closing flushes what is buffered, which fails again on a full disk: the temp file goes all the same.
            try { _stream?.Dispose(); } catch (IOException) { }
            _stream = null;
            if (_temp is null) return;
            try { File.Delete(_temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            _temp = null;
        }
    }

    /// <summary>fsync of a directory, so that a rename inside it survives a power cut (Linux; a no-op elsewhere).</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0) return; // best effort: the file itself is already fsynced
        try { _ = Fsync(fd); }
        finally { _ = Close(fd); }
    }

    private static readonly UTF8Encoding Utf8NoBom = new(false);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
