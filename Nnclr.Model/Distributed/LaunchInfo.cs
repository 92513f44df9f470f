using System.Collections;
using System.Globalization;

namespace Nnclr.Model.Distributed;

/// <summary>
/// Where this process sits in a job, as the launcher says in the environment: Open MPI's mpirun
/// (OMPI_COMM_WORLD_RANK/SIZE/LOCAL_RANK), Slurm's srun (SLURM_PROCID/NTASKS/LOCALID inside a job step; with
/// --mpi=pmix also PMIX_RANK), or nothing: one process, world 1, exactly as before. MPICH's Hydra (PMI_RANK without
/// OMPI_*) is recognised only to be refused: nnclr binds Open MPI's ABI on purpose (MPICH's handles are integers).
/// </summary>
public sealed record LaunchInfo(int Rank, int WorldSize, int LocalRank, string Launcher)
{
    /// <summary>No launcher: world 1.</summary>
    public static LaunchInfo Single { get; } = new(0, 1, 0, "none");

    private static readonly Lazy<LaunchInfo> Cached = new(() => FromEnvironment(null));

    /// <summary>This process's launch, read once.</summary>
    public static LaunchInfo Current => Cached.Value;

    /// <summary>True when a launcher started this process as one rank of several.</summary>
    public bool IsMultiProcess => WorldSize > 1;

    /// <summary>
    /// Reads <paramref name="environment"/> (null = the process environment). Throws <see cref="DistributedLaunchException"/>
    /// when the variables contradict each other (rank outside the world) or name a launcher nnclr does not support.
    /// </summary>
    public static LaunchInfo FromEnvironment(IDictionary? environment)
    {
        string? Get(string name) => environment is null ? Environment.GetEnvironmentVariable(name) : environment[name] as string;
        int? Int(string name)
        {
            var s = Get(name);
            if (string.IsNullOrEmpty(s)) return null;
            return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0
                ? v : throw new DistributedLaunchException($"launch: {name}='{s}' is not a non-negative whole number");
        }
        LaunchInfo Check(LaunchInfo l) => l.WorldSize >= 1 && l.Rank < l.WorldSize && l.LocalRank < Math.Max(l.WorldSize, 1)
            ? l : throw new DistributedLaunchException($"launch ({l.Launcher}): rank {l.Rank}, local rank {l.LocalRank} and world size {l.WorldSize} do not fit together");

        if (Int("OMPI_COMM_WORLD_SIZE") is { } ompiSize)
            return Check(new LaunchInfo(Int("OMPI_COMM_WORLD_RANK") ?? 0, ompiSize, Int("OMPI_COMM_WORLD_LOCAL_RANK") ?? 0, "mpirun"));
        // srun: a job step's task (SLURM_STEP_ID: a batch script itself is not a task of a multi-task step).
        if (Get("SLURM_STEP_ID") is { Length: > 0 } && Int("SLURM_NTASKS") is { } tasks)
            return Check(new LaunchInfo(Int("PMIX_RANK") ?? Int("SLURM_PROCID") ?? 0, tasks, Int("SLURM_LOCALID") ?? 0, "srun"));
        if (Int("PMI_SIZE") is > 1)
            throw new DistributedLaunchException("launch: started by an MPICH-style launcher (PMI_RANK/PMI_SIZE without OMPI_COMM_WORLD_*): nnclr binds Open MPI " +
                "(libmpi.so.40) on purpose; launch with Open MPI's mpirun or Slurm's srun --mpi=pmix");
        return Single;
    }

    public override string ToString() => WorldSize == 1 ? "world 1 (no launcher)" : $"rank {Rank} of {WorldSize} (local rank {LocalRank}, {Launcher})";
}

/// <summary>A launch or engine that cannot work (no MPI library, mismatched ranks): one line, exit code 2.</summary>
public sealed class DistributedLaunchException(string message, Exception? inner = null) : Exception(message, inner);
