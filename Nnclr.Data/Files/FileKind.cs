using System.Runtime.InteropServices;

namespace Nnclr.Data;

/// <summary>
/// What a path is on the file system, following symlinks. .NET reports a FIFO, socket or device as an ordinary
/// file, and opening a FIFO blocks in open() until a writer appears (SIGTERM cannot interrupt it), so every folder
/// walk asks here before it opens anything. Uses the runtime's own portable stat (libSystem.Native), whose mode
/// bits are the same on every Unix.
/// </summary>
public static partial class FileKind
{
    private const int TypeMask = 0xF000, Regular = 0x8000;

    /// <summary>True when <paramref name="path"/> (after links) is a regular file; on Windows, whenever it is a file.</summary>
    public static bool IsRegularFile(string path)
    {
        if (OperatingSystem.IsWindows()) return File.Exists(path);
        return Stat(path) is { } mode && (mode & TypeMask) == Regular;
    }

    /// <summary>"FIFO", "socket", "character device", "block device", "directory", "regular file", or "missing".</summary>
    public static string Describe(string path)
    {
        if (OperatingSystem.IsWindows()) return File.Exists(path) ? "regular file" : Directory.Exists(path) ? "directory" : "missing";
        return (Stat(path) & TypeMask) switch
        {
            null => "missing",
            0x1000 => "FIFO",
            0x2000 => "character device",
            0x4000 => "directory",
            0x6000 => "block device",
            0x8000 => "regular file",
            0xC000 => "socket",
            var m => $"file of type 0x{m:X}",
        };
    }

    // The mode (type and permission bits) of the file a path names after links, or null when stat fails.
    private static unsafe int? Stat(string path)
    {
        // FileStatus is about 120 bytes (flags, mode, ids, size, times, device, inode); Mode is the second int32.
        byte* status = stackalloc byte[512];
        return SystemNativeStat(path, status) == 0 ? *(int*)(status + 4) : null;
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int SystemNativeStat(string path, byte* output);
}
