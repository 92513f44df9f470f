using System.Diagnostics;

namespace Nnclr.Host.Tests.Integration;

/// <summary>A size-limited tmpfs mounted over a directory, for disk-full tests; null where mounting is not allowed.</summary>
internal sealed class SmallDisk : IDisposable
{
    // The mount point.
    private readonly string _dir;

    private SmallDisk(string dir) => _dir = dir;

    public static SmallDisk? TryMount(string dir, long bytes)
    {
        if (!OperatingSystem.IsLinux()) return null;
        return Run("mount", "-t", "tmpfs", "-o", $"size={Math.Max(bytes, 4096)}", "tmpfs", dir) ? new SmallDisk(dir) : null;
    }

    /// <summary>Changes the size limit (contents stay).</summary>
    public void Resize(long bytes) => Assert.True(Run("mount", "-o", $"remount,size={bytes}", _dir), "tmpfs remount failed");

    private static bool Run(string file, params string[] args)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    public void Dispose() => Run("umount", "-l", _dir);
}
