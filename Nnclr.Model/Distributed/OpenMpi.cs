using System.Runtime.InteropServices;
using System.Text;

namespace Nnclr.Model.Distributed;

/// <summary>
/// A thin binding of Open MPI's C API (libmpi.so.40, Debian's libopenmpi3), loaded on first use. Open MPI's handles
/// (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM …) are the addresses of exported globals (ompi_mpi_comm_world …), found with
/// <see cref="NativeLibrary.GetExport"/>; MPI_IN_PLACE is (void*)1. MPICH (and Intel MPI) use integer handles and a
/// different soname: they are not supported, deliberately (one ABI, tested). Functions return MPI error codes; Open MPI's
/// default error handler aborts the job on any error, so a non-zero return is reported but rarely seen.
/// </summary>
internal static unsafe class OpenMpi
{
    /// <summary>The soname loaded (NNCLR_MPI_LIBRARY overrides it: a path or another name).</summary>
    public static string LibraryName => Environment.GetEnvironmentVariable("NNCLR_MPI_LIBRARY") is { Length: > 0 } s ? s : "libmpi.so.40";

    public const int ThreadSerialized = 2; // MPI_THREAD_SERIALIZED in Open MPI's mpi.h
    public const int MaxLibraryVersionString = 256; // MPI_MAX_LIBRARY_VERSION_STRING
    public static readonly nint InPlace = 1; // MPI_IN_PLACE

    private static readonly Lazy<Api> Loaded = new(Load);

    /// <summary>The bound functions and handles; throws <see cref="DistributedLaunchException"/> naming the library and the cause.</summary>
    public static Api Get() => Loaded.Value;

    /// <summary>True when the library loads here (doctor); <paramref name="error"/> says why not.</summary>
    public static bool TryGet(out Api? api, out string? error)
    {
        try { api = Get(); error = null; return true; }
        catch (DistributedLaunchException e) { api = null; error = e.Message; return false; }
    }

    public sealed class Api
    {
        public required string Path { get; init; }
        public required nint CommWorld, Float, Double, Byte, Int64, OpSum, OpMax;
        public required delegate* unmanaged<int*, byte***, int, int*, int> InitThread;
        public required delegate* unmanaged<int*, int> Initialized;
        public required delegate* unmanaged<int*, int> Finalized;
        public required delegate* unmanaged<int> Finalize;
        public required delegate* unmanaged<nint, int*, int> CommRank;
        public required delegate* unmanaged<nint, int*, int> CommSize;
        public required delegate* unmanaged<nint, nint, int, nint, nint, nint, int> Allreduce;
        public required delegate* unmanaged<nint, int, nint, nint, int, nint, nint, int> Allgather;
        public required delegate* unmanaged<nint, int, nint, int, nint, int> Bcast;
        public required delegate* unmanaged<nint, int> Barrier;
        public required delegate* unmanaged<nint, int, int> Abort;
        public required delegate* unmanaged<byte*, int*, int> GetLibraryVersion;

        /// <summary>MPI_Get_library_version: "Open MPI v4.1.4, package: …" (first line).</summary>
        public string LibraryVersion()
        {
            var buffer = stackalloc byte[MaxLibraryVersionString + 1];
            int length = 0;
            if (GetLibraryVersion(buffer, &length) != 0) return "unknown";
            var text = Encoding.UTF8.GetString(buffer, Math.Clamp(length, 0, MaxLibraryVersionString)).TrimEnd('\0', '\n', ' ');
            int nl = text.IndexOf('\n');
            return nl < 0 ? text : text[..nl];
        }
    }

    private static Api Load()
    {
        var name = LibraryName;
        if (!NativeLibrary.TryLoad(name, out var lib))
            throw new DistributedLaunchException($"MPI: cannot load {name} (Open MPI's library): install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin; " +
                "scripts/setup.sh does) or point NNCLR_MPI_LIBRARY at libmpi.so.40");
        nint Sym(string symbol) => NativeLibrary.TryGetExport(lib, symbol, out var a) ? a
            : throw new DistributedLaunchException($"MPI: {name} does not export {symbol}: not Open MPI (nnclr binds Open MPI's ABI; MPICH and Intel MPI are not supported)");
        return new Api
        {
            Path = ResolvedPath(name) ?? name,
            CommWorld = Sym("ompi_mpi_comm_world"), Float = Sym("ompi_mpi_float"), Double = Sym("ompi_mpi_double"),
            Byte = Sym("ompi_mpi_byte"), Int64 = Sym("ompi_mpi_int64_t"), OpSum = Sym("ompi_mpi_op_sum"), OpMax = Sym("ompi_mpi_op_max"),
            InitThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Sym("MPI_Init_thread"),
            Initialized = (delegate* unmanaged<int*, int>)Sym("MPI_Initialized"),
            Finalized = (delegate* unmanaged<int*, int>)Sym("MPI_Finalized"),
            Finalize = (delegate* unmanaged<int>)Sym("MPI_Finalize"),
            CommRank = (delegate* unmanaged<nint, int*, int>)Sym("MPI_Comm_rank"),
            CommSize = (delegate* unmanaged<nint, int*, int>)Sym("MPI_Comm_size"),
            Allreduce = (delegate* unmanaged<nint, nint, int, nint, nint, nint, int>)Sym("MPI_Allreduce"),
            Allgather = (delegate* unmanaged<nint, int, nint, nint, int, nint, nint, int>)Sym("MPI_Allgather"),
            Bcast = (delegate* unmanaged<nint, int, nint, int, nint, int>)Sym("MPI_Bcast"),
            Barrier = (delegate* unmanaged<nint, int>)Sym("MPI_Barrier"),
            Abort = (delegate* unmanaged<nint, int, int>)Sym("MPI_Abort"),
            GetLibraryVersion = (delegate* unmanaged<byte*, int*, int>)Sym("MPI_Get_library_version"),
        };
    }

    /// <summary>The mapped file of a loaded library (from /proc/self/maps), or null.</summary>
    internal static string? ResolvedPath(string soname)
    {
        var file = System.IO.Path.GetFileName(soname);
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && System.IO.Path.GetFileName(line[slash..]).StartsWith(file, StringComparison.Ordinal)) return line[slash..];
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
