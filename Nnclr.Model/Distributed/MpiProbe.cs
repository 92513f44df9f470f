namespace Nnclr.Model.Distributed;

/// <summary>What `nnclr doctor` reports about the data-parallel engines, without initialising either.</summary>
public static class MpiProbe
{
    /// <summary>Open MPI's library path and version line (MPI_Get_library_version may be called before MPI_Init), or why it does not load.</summary>
    public static (string? Path, string? Version, string? Error) Probe() =>
        OpenMpi.TryGet(out var api, out var error) ? (api!.Path, api.LibraryVersion(), null) : (null, null, error);

    /// <summary>NCCL's library path and version (ncclGetVersion), or why it does not load.</summary>
    public static (string? Path, string? Version, string? Error) ProbeNccl() => Nccl.Probe();
}
