using System.Runtime;
using System.Runtime.InteropServices;

namespace Nnclr.Pipeline.Stages;

/// <summary>
/// Keeps a long run's resident memory flat. A checkpoint snapshot is a set of large host arrays: they land on the
/// large-object heap, which only a full collection frees, so without help a daemon's RSS creeps up between rare
/// gen-2 collections. After each snapshot is written (on the checkpoint thread) we collect and compact once and
/// hand freed native pages back to the OS (glibc's malloc_trim; libtorch's CPU allocator does not cache).
/// Cost: one blocking collection of a small live heap per checkpoint, a few milliseconds.
/// </summary>
internal static partial class MemoryHygiene
{
    public static void AfterSnapshot()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        if (!OperatingSystem.IsLinux()) return;
        try { _ = MallocTrim(0); }
        catch (DllNotFoundException) { }      // not glibc (e.g. musl): nothing to trim
        catch (EntryPointNotFoundException) { }
    }

    [LibraryImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
