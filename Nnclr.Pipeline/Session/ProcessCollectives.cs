using System.Globalization;
using System.Text;
using Nnclr.Model;
using Nnclr.Model.Distributed;
using Nnclr.Pipeline.Configuration;

namespace Nnclr.Pipeline.Session;

/// <summary>
/// The one collectives engine of a training process, opened on first use from Run:Engine and the launch (MPI is
/// initialised once per process, while a run may build its ports twice: NaN rollback) and finalised on Dispose, after
/// the run. On opening, the ranks compare a hash of their resolved configuration: a mismatch is one line naming the
/// ranks, on every rank (<see cref="DistributedLaunchException"/>, exit 2).
/// </summary>
public sealed class ProcessCollectives : IDisposable
{
    private ICollectives? _open;

    /// <summary>This process's launch (environment).</summary>
    public LaunchInfo Launch { get; }

    public ProcessCollectives(LaunchInfo? launch = null) => Launch = launch ?? LaunchInfo.Current;

    /// <summary>True when this process writes the run directory (rank 0 of the launch; world 1 always).</summary>
    public bool WritesRunDirectory => Launch.Rank == 0;

    /// <summary>The engine for <paramref name="cfg"/> on <paramref name="device"/>; opened once, then the same instance.</summary>
    public ICollectives Get(TrainingConfig cfg, string device)
    {
        if (_open is not null) return _open;
        var comm = CollectivesFactory.Open(cfg.Run.Engine, Launch, device);
        try { CheckSameConfiguration(comm, cfg.ToJson()); }
        catch { comm.Dispose(); throw; }
        return _open = comm;
    }

    /// <summary>
    /// Every rank must train the same configuration: rank 0's hash of the maths-relevant settings (<see cref="ConfigDiff.Hash"/>)
    /// is broadcast and compared; the ranks that differ are summed into a mask every rank sees, so all of them stop with the same line.
    /// </summary>
    public static void CheckSameConfiguration(ICollectives comm, string configJson)
    {
        if (comm.WorldSize == 1) return;
        var mine = ConfigDiff.Hash(configJson);
        var root = Encoding.ASCII.GetBytes(mine);
        comm.Broadcast(root, 0);
        var differs = new double[comm.WorldSize];
        differs[comm.Rank] = Encoding.ASCII.GetString(root) == mine ? 0 : 1;
        comm.AllReduce(differs, ReduceOp.Sum);
        var ranks = Enumerable.Range(0, comm.WorldSize).Where(r => differs[r] > 0).ToList();
        if (ranks.Count > 0)
            throw new ConfigurationException($"the ranks' configurations differ: rank{(ranks.Count > 1 ? "s" : "")} {string.Join(", ", ranks.Select(r => r.ToString(CultureInfo.InvariantCulture)))} " +
                $"resolved another configuration than rank 0 (hash {Encoding.ASCII.GetString(root)}{(differs[comm.Rank] > 0 ? $", this rank {mine}" : "")}); give every rank the same preset, --config, flags and NNCLR_* variables");
    }

    /// <summary>Finalises the engine (MPI_Finalize, NCCL communicator destroyed).</summary>
    public void Dispose()
    {
        _open?.Dispose();
        _open = null;
    }
}
