namespace Nnclr.Model.Distributed;

/// <summary>
/// The collectives port on Open MPI (CPU tensors; also NCCL's bootstrap): MPI_Init_thread (SERIALIZED: the one
/// training thread calls, not necessarily the thread that initialised), then MPI_Allreduce / MPI_Allgather /
/// MPI_Bcast / MPI_Barrier on MPI_COMM_WORLD with the tensors' own memory (no copies; MPI_IN_PLACE for the reduction).
/// Float32, float64, int64 and uint8 tensors; Average is a sum divided by the world size. One instance per process
/// (MPI cannot be initialised twice); Dispose calls MPI_Finalize. Errors abort the job (Open MPI's default handler).
/// </summary>
public sealed unsafe class MpiCollectives : ICollectives
{
    private static int _created;
    private readonly OpenMpi.Api _mpi;
    private bool _disposed;

    public int Rank { get; }
    public int WorldSize { get; }
    public int LocalRank { get; }
    public string Engine => "mpi";

    /// <summary>The library's own version line (MPI_Get_library_version) and path, for logs and doctor.</summary>
    public string LibraryVersion { get; }
    public string LibraryPath => _mpi.Path;

    /// <summary>Initialises MPI (throws <see cref="DistributedLaunchException"/> when libmpi cannot load or MPI is already initialised).</summary>
    public MpiCollectives(LaunchInfo launch)
    {
        if (Interlocked.Exchange(ref _created, 1) != 0)
            throw new InvalidOperationException("MPI is initialised once per process: share the one MpiCollectives");
        _mpi = OpenMpi.Get();
        int provided = 0, rank = 0, size = 0;
        int rc = _mpi.InitThread(null, null, OpenMpi.ThreadSerialized, &provided);
        if (rc != 0) throw new DistributedLaunchException($"MPI: MPI_Init_thread failed with error {rc} ({launch})");
        if (provided < OpenMpi.ThreadSerialized)
            throw new DistributedLaunchException($"MPI: {_mpi.Path} provides thread level {provided}, nnclr needs MPI_THREAD_SERIALIZED (2)");
        Check(_mpi.CommRank(_mpi.CommWorld, &rank), "MPI_Comm_rank");
        Check(_mpi.CommSize(_mpi.CommWorld, &size), "MPI_Comm_size");
        if (launch.WorldSize > 1 && (rank != launch.Rank || size != launch.WorldSize))
            throw new DistributedLaunchException($"MPI: the launcher says rank {launch.Rank} of {launch.WorldSize}, MPI_COMM_WORLD says rank {rank} of {size}");
        Rank = rank; WorldSize = size; LocalRank = launch.WorldSize > 1 ? launch.LocalRank : 0;
        LibraryVersion = _mpi.LibraryVersion();
    }

    public void AllReduce(Tensor tensor, ReduceOp op)
    {
        var (type, elementSize) = DataType(tensor);
        long count = Count(tensor);
        nint data = CpuData(tensor);
        for (long done = 0; done < count;)
        {
            int n = (int)Math.Min(int.MaxValue, count - done);
            Check(_mpi.Allreduce(OpenMpi.InPlace, data + (nint)(done * elementSize), n, type, _mpi.OpSum, _mpi.CommWorld), "MPI_Allreduce");
            done += n;
        }
        if (op == ReduceOp.Average && WorldSize > 1) tensor.div_(WorldSize);
    }

    public Tensor AllGather(Tensor tensor)
    {
        var (type, _) = DataType(tensor);
        long count = Count(tensor);
        if (count > int.MaxValue / Math.Max(1, WorldSize)) throw new ArgumentException($"AllGather of {count} elements per rank is beyond MPI's int counts");
        var shape = tensor.shape.ToArray();
        shape[0] *= WorldSize;
        var result = torch.empty(shape, dtype: tensor.dtype, device: tensor.device);
        try
        {
            Check(_mpi.Allgather(CpuData(tensor), (int)count, type, CpuData(result), (int)count, type, _mpi.CommWorld), "MPI_Allgather");
            return result;
        }
        catch { result.Dispose(); throw; }
    }

    public void Broadcast(Tensor tensor, int root)
    {
        CheckRoot(root);
        var (type, elementSize) = DataType(tensor);
        long count = Count(tensor);
        nint data = CpuData(tensor);
        for (long done = 0; done < count;)
        {
            int n = (int)Math.Min(int.MaxValue, count - done);
            Check(_mpi.Bcast(data + (nint)(done * elementSize), n, type, root, _mpi.CommWorld), "MPI_Bcast");
            done += n;
        }
    }

    public void Barrier() => Check(_mpi.Barrier(_mpi.CommWorld), "MPI_Barrier");

    public void AllReduce(Span<double> values, ReduceOp op)
    {
        fixed (double* p = values)
            Check(_mpi.Allreduce(OpenMpi.InPlace, (nint)p, values.Length, _mpi.Double, _mpi.OpSum, _mpi.CommWorld), "MPI_Allreduce");
        if (op == ReduceOp.Average && WorldSize > 1)
            for (int i = 0; i < values.Length; i++) values[i] /= WorldSize;
    }

    public void Broadcast(Span<byte> bytes, int root)
    {
        CheckRoot(root);
        fixed (byte* p = bytes) Check(_mpi.Bcast((nint)p, bytes.Length, _mpi.Byte, root, _mpi.CommWorld), "MPI_Bcast");
    }

    public void Abort(string reason, int exitCode)
    {
        Console.Error.WriteLine($"nnclr: rank {Rank} of {WorldSize}: {reason}; aborting the job");
        Console.Error.Flush();
        _mpi.Abort(_mpi.CommWorld, exitCode == 0 ? 1 : exitCode);
        Environment.Exit(exitCode == 0 ? 1 : exitCode); // MPI_Abort does not return; this is the belt to its braces
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        int finalized = 0;
        _mpi.Finalized(&finalized);
        if (finalized == 0) _mpi.Finalize();
    }

    private void CheckRoot(int root)
    {
        if (root < 0 || root >= WorldSize) throw new ArgumentOutOfRangeException(nameof(root), root, $"root must be a rank of the world (0..{WorldSize - 1})");
    }

    private (nint Type, int ElementSize) DataType(Tensor t) => t.dtype switch
    {
        ScalarType.Float32 => (_mpi.Float, 4),
        ScalarType.Float64 => (_mpi.Double, 8),
        ScalarType.Int64 => (_mpi.Int64, 8),
        ScalarType.Byte => (_mpi.Byte, 1),
        _ => throw new ArgumentException($"MPI collectives take float32, float64, int64 or uint8 tensors, not {t.dtype}"),
    };

    private static long Count(Tensor t) => t.numel();

    private static nint CpuData(Tensor t) => t.device_type == DeviceType.CPU ? TensorMemory.Address(t)
        : throw new ArgumentException($"the MPI engine takes CPU tensors, not {t.device}: use the NCCL engine on GPUs");

    private static void Check(int rc, string call)
    {
        if (rc != 0) throw new InvalidOperationException($"MPI: {call} returned error {rc}");
    }
}
