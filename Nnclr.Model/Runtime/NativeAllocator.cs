using System.Runtime.InteropServices;

namespace Nnclr.Model.Runtime;

/// <summary>
/// The C allocator libtorch's host memory comes from in this process, as the process's own memory map shows it, and
/// why (the launcher's reason, scripts/allocator.sh). glibc malloc unmaps every large freed tensor and faults it in
/// again on the next step; tcmalloc keeps it for reuse (README, "Memory allocator").
/// </summary>
public sealed record NativeAllocator(string Name, string? Library, string Because)
{
    /// <summary>This process's allocator: tcmalloc or jemalloc when mapped, else glibc (tuned when MALLOC_MMAP_MAX_=0).</summary>
    public static NativeAllocator Current { get; } = Probe(ReadMaps(), Environment.GetEnvironmentVariable);

    /// <summary>Decides from a /proc/PID/maps text and an environment (separate for tests).</summary>
    public static NativeAllocator Probe(string maps, Func<string, string?> env)
    {
        string? library = null, name = "glibc";
        foreach (var line in maps.AsSpan().EnumerateLines())
        {
            int slash = line.IndexOf('/');
            if (slash < 0) continue;
            var path = line[slash..];
            var file = path[(path.LastIndexOf('/') + 1)..];
            if (file.StartsWith("libtcmalloc", StringComparison.Ordinal)) { name = "tcmalloc"; library = path.ToString(); break; }
            if (file.StartsWith("libjemalloc", StringComparison.Ordinal)) { name = "jemalloc"; library = path.ToString(); break; }
        }
        if (name == "glibc" && env("MALLOC_MMAP_MAX_") == "0") name = "glibc-tuned";
        var because = env("NNCLR_ALLOCATOR_REASON") is { Length: > 0 } reason
            ? reason
            : "started without ./nnclr or the published launcher (no NNCLR_ALLOCATOR_REASON): LD_PRELOAD="
              + (env("LD_PRELOAD") is { Length: > 0 } p ? p : "(unset)");
        return new NativeAllocator(name, library, because);
    }

    /// <summary>True for plain glibc malloc on Linux: CPU training and evaluation run about 2x slower (README).</summary>
    public bool IsSlow => Name == "glibc" && OperatingSystem.IsLinux();

    /// <summary>
    /// Gives the allocator's free memory back to the kernel: tcmalloc's MallocExtension_ReleaseFreeMemory, glibc's
    /// malloc_trim(0). Called after an evaluation that ran beside training, whose batches' activations the training
    /// steps do not reuse, so the process returns to its training footprint. Returns false where neither applies.
    /// </summary>
    public bool ReleaseFreeMemory()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            if (Name == "tcmalloc" && Library is not null)
            {
                if (!NativeLibrary.TryLoad(Library, out var handle) || !NativeLibrary.TryGetExport(handle, "MallocExtension_ReleaseFreeMemory", out var release))
                    return false;
                Marshal.GetDelegateForFunctionPointer<VoidFunction>(release)();
                return true;
            }
            if (Name is "glibc" or "glibc-tuned") { _ = MallocTrim(0); return true; }
        }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
        return false;
    }

    private delegate void VoidFunction();

    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    private static string ReadMaps()
    {
        try { return OperatingSystem.IsLinux() ? File.ReadAllText("/proc/self/maps") : ""; }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }
}
