using System.Runtime.InteropServices;

namespace Nnclr.Model;

/// <summary>fsync of a directory, so that a rename inside it survives a power cut (Linux; a no-op elsewhere).</summary>
internal static partial class DirectorySync
{
    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0) return; // best effort: the file itself is already fsynced
        try { _ = Fsync(fd); }
        finally { _ = Close(fd); }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
