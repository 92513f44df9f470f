using System.Runtime.InteropServices;

namespace Nnclr.Model.Distributed;

/// <summary>
/// The collectives port on NCCL (CUDA tensors). libnccl.so.2 is the user's (NVIDIA's libnccl2, PyTorch's
/// nvidia-nccl-cu12 wheel, NGC images; NNCLR_NCCL_LIBRARY overrides the name), loaded lazily: a machine without it
/// gets one line saying so. cudaSetDevice(LocalRank) precedes ncclCommInitRank; the 128-byte unique id goes from rank 0
/// to the others by MPI_Bcast (<paramref name="bootstrap"/>), or is made locally at world 1 (no launcher, no MPI).
/// Every operation runs on stream 0, libtorch's default stream, so it is ordered with the step's kernels (no overlap).
/// Host values, Barrier and Abort go through the MPI bootstrap (identity at world 1); ncclCommGetAsyncError is checked
/// at every Barrier and host reduction, so a failed peer surfaces as an exception naming the cause.
/// </summary>
public sealed unsafe class NcclCollectives : ICollectives
{
    private readonly Nccl.Api _nccl;
    private readonly MpiCollectives? _bootstrap;
    private nint _comm;

    public int Rank { get; }
    public int WorldSize { get; }
    public int LocalRank { get; }
    public string Engine => "nccl";

    /// <summary>NCCL's version as ncclGetVersion reports it (e.g. "2.21.5").</summary>
    public string Version => Nccl.FormatVersion(_nccl.VersionCode());

    /// <param name="bootstrap">MPI for the unique id and host values (owned: disposed with this); null only at world 1.</param>
    public NcclCollectives(LaunchInfo launch, MpiCollectives? bootstrap)
    {
        if (bootstrap is null && launch.WorldSize > 1) throw new DistributedLaunchException("NCCL: a world of several ranks needs MPI to share NCCL's unique id");
        _nccl = Nccl.Get();
        _bootstrap = bootstrap;
        Rank = bootstrap?.Rank ?? 0;
        WorldSize = bootstrap?.WorldSize ?? 1;
        LocalRank = bootstrap?.LocalRank ?? 0;
        int rc = _nccl.CudaSetDevice(LocalRank);
        if (rc != 0) throw new DistributedLaunchException($"NCCL: cudaSetDevice({LocalRank}) failed with CUDA error {rc} (local rank {LocalRank}: one GPU per rank on each machine)");
        var id = new Nccl.UniqueId();
        if (Rank == 0) _nccl.Check(_nccl.GetUniqueId(&id), "ncclGetUniqueId");
        bootstrap?.Broadcast(new Span<byte>(&id, sizeof(Nccl.UniqueId)), 0);
        nint comm;
        _nccl.Check(_nccl.CommInitRank(&comm, WorldSize, id, Rank), "ncclCommInitRank");
        _comm = comm;
    }

    public void AllReduce(Tensor tensor, ReduceOp op) =>
        _nccl.Check(_nccl.AllReduce(Data(tensor), Data(tensor), (nuint)tensor.numel(), Nccl.DataType(tensor.dtype),
            op == ReduceOp.Sum ? Nccl.Sum : Nccl.Avg, _comm, 0), "ncclAllReduce");

    public Tensor AllGather(Tensor tensor)
    {
        var shape = tensor.shape.ToArray();
        shape[0] *= WorldSize;
        var result = torch.empty(shape, dtype: tensor.dtype, device: tensor.device);
        try
        {
            _nccl.Check(_nccl.AllGather(Data(tensor), Data(result), (nuint)tensor.numel(), Nccl.DataType(tensor.dtype), _comm, 0), "ncclAllGather");
            return result;
        }
        catch { result.Dispose(); throw; }
    }

    public void Broadcast(Tensor tensor, int root) =>
        _nccl.Check(_nccl.Broadcast(Data(tensor), Data(tensor), (nuint)tensor.numel(), Nccl.DataType(tensor.dtype), root, _comm, 0), "ncclBroadcast");

    public void Barrier()
    {
        _nccl.Check(_nccl.CudaDeviceSynchronize(), "cudaDeviceSynchronize");
        CheckAsync();
        _bootstrap?.Barrier();
    }

    public void AllReduce(Span<double> values, ReduceOp op)
    {
        CheckAsync();
        _bootstrap?.AllReduce(values, op);
    }

    public void Broadcast(Span<byte> bytes, int root)
    {
        if (_bootstrap is null && root != 0) throw new ArgumentOutOfRangeException(nameof(root), root, "world size is 1: the only root is 0");
        _bootstrap?.Broadcast(bytes, root);
    }

    public void Abort(string reason, int exitCode)
    {
        if (_comm != 0) { _nccl.CommAbort(_comm); _comm = 0; }
        if (_bootstrap is not null) _bootstrap.Abort(reason, exitCode);
        else throw new InvalidOperationException($"aborted: {reason}");
    }

    /// <summary>Destroys the communicator, then finalises the MPI bootstrap (owned).</summary>
    public void Dispose()
    {
        if (_comm != 0) { _nccl.CommDestroy(_comm); _comm = 0; }
        _bootstrap?.Dispose();
    }

    private void CheckAsync()
    {
        int error = 0;
        if (_comm != 0 && _nccl.CommGetAsyncError(_comm, &error) == 0 && error != 0)
            throw new InvalidOperationException($"NCCL: asynchronous error on rank {Rank}: {_nccl.ErrorString(error)} (a peer failed or the network broke)");
    }

    private static nint Data(Tensor t) => t.device_type == DeviceType.CUDA ? TensorMemory.Address(t)
        : throw new ArgumentException($"the NCCL engine takes CUDA tensors, not {t.device}");
}

/// <summary>The NCCL and CUDA runtime entry points, loaded on first use; a missing library is one line naming it and the fix.</summary>
internal static unsafe class Nccl
{
    public static string LibraryName => Environment.GetEnvironmentVariable("NNCLR_NCCL_LIBRARY") is { Length: > 0 } s ? s : "libnccl.so.2";
    public const int Sum = 0, Avg = 4; // ncclSum, ncclAvg (NCCL ≥ 2.10)

    [StructLayout(LayoutKind.Sequential, Size = 128)]
    public struct UniqueId { private fixed byte _internal[128]; }

    private static readonly Lazy<Api> Loaded = new(Load);
    public static Api Get() => Loaded.Value;

    /// <summary>Loads NCCL only to report it (doctor): its path and version, or why it cannot load.</summary>
    public static (string? Path, string? Version, string? Error) Probe()
    {
        try
        {
            var api = Get();
            return (api.Path, FormatVersion(api.VersionCode()), null);
        }
        catch (DistributedLaunchException e) { return (null, null, e.Message); }
    }

    /// <summary>NCCL's integer version (major×10000 + minor×100 + patch since 2.9) as "major.minor.patch".</summary>
    public static string FormatVersion(int code) => code >= 10000 ? $"{code / 10000}.{code / 100 % 100}.{code % 100}" : $"{code / 1000}.{code / 100 % 10}.{code % 100}";

    public static int DataType(ScalarType t) => t switch
    {
        ScalarType.Byte => 1, ScalarType.Int32 => 2, ScalarType.Int64 => 4, ScalarType.Float16 => 6,
        ScalarType.Float32 => 7, ScalarType.Float64 => 8, ScalarType.BFloat16 => 9,
        _ => throw new ArgumentException($"NCCL collectives do not take {t} tensors"),
    };

    public sealed class Api
    {
        public required string Path { get; init; }
        public required delegate* unmanaged<int*, int> GetVersion;
        public required delegate* unmanaged<UniqueId*, int> GetUniqueId;
        public required delegate* unmanaged<nint*, int, UniqueId, int, int> CommInitRank;
        public required delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int> AllReduce;
        public required delegate* unmanaged<nint, nint, nuint, int, nint, nint, int> AllGather;
        public required delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int> Broadcast;
        public required delegate* unmanaged<int> GroupStart;
        public required delegate* unmanaged<int> GroupEnd;
        public required delegate* unmanaged<nint, int> CommAbort;
        public required delegate* unmanaged<nint, int> CommDestroy;
        public required delegate* unmanaged<nint, int*, int> CommGetAsyncError;
        public required delegate* unmanaged<int, byte*> GetErrorString;
        public required delegate* unmanaged<int, int> CudaSetDevice;
        public required delegate* unmanaged<int> CudaDeviceSynchronize;

        public int VersionCode() { int v = 0; GetVersion(&v); return v; }
        public string ErrorString(int rc) => Marshal.PtrToStringUTF8((nint)GetErrorString(rc)) ?? $"error {rc}";
        public void Check(int rc, string call)
        {
            if (rc != 0) throw new InvalidOperationException($"NCCL: {call} failed: {(call.StartsWith("cuda", StringComparison.Ordinal) ? $"CUDA error {rc}" : ErrorString(rc))}");
        }
    }

    private static Api Load()
    {
        var name = LibraryName;
        if (!NativeLibrary.TryLoad(name, out var lib))
            throw new DistributedLaunchException($"NCCL: cannot load {name}: it is not part of nnclr or libtorch; install NVIDIA's libnccl2 " +
                "(or pip install nvidia-nccl-cu12 and add its nvidia/nccl/lib to LD_LIBRARY_PATH), or set NNCLR_NCCL_LIBRARY");
        nint cudart = 0;
        foreach (var candidate in new[] { "libcudart.so.12", "libcudart.so.13", "libcudart.so" })
            if (NativeLibrary.TryLoad(candidate, out cudart)) break;
        if (cudart == 0) throw new DistributedLaunchException("NCCL: cannot load the CUDA runtime (libcudart.so.12): NCCL needs a CUDA machine");
        nint Sym(nint l, string symbol) => NativeLibrary.TryGetExport(l, symbol, out var a) ? a
            : throw new DistributedLaunchException($"NCCL: {name} does not export {symbol} (NCCL 2.10 or newer is needed)");
        return new Api
        {
            Path = OpenMpi.ResolvedPath(name) ?? name,
            GetVersion = (delegate* unmanaged<int*, int>)Sym(lib, "ncclGetVersion"),
            GetUniqueId = (delegate* unmanaged<UniqueId*, int>)Sym(lib, "ncclGetUniqueId"),
            CommInitRank = (delegate* unmanaged<nint*, int, UniqueId, int, int>)Sym(lib, "ncclCommInitRank"),
            AllReduce = (delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int>)Sym(lib, "ncclAllReduce"),
            AllGather = (delegate* unmanaged<nint, nint, nuint, int, nint, nint, int>)Sym(lib, "ncclAllGather"),
            Broadcast = (delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int>)Sym(lib, "ncclBroadcast"),
            GroupStart = (delegate* unmanaged<int>)Sym(lib, "ncclGroupStart"),
            GroupEnd = (delegate* unmanaged<int>)Sym(lib, "ncclGroupEnd"),
            CommAbort = (delegate* unmanaged<nint, int>)Sym(lib, "ncclCommAbort"),
            CommDestroy = (delegate* unmanaged<nint, int>)Sym(lib, "ncclCommDestroy"),
            CommGetAsyncError = (delegate* unmanaged<nint, int*, int>)Sym(lib, "ncclCommGetAsyncError"),
            GetErrorString = (delegate* unmanaged<int, byte*>)Sym(lib, "ncclGetErrorString"),
            CudaSetDevice = (delegate* unmanaged<int, int>)Sym(cudart, "cudaSetDevice"),
            CudaDeviceSynchronize = (delegate* unmanaged<int>)Sym(cudart, "cudaDeviceSynchronize"),
        };
    }
}
