namespace Nnclr.Model.Distributed;

/// <summary>
/// Chooses and opens the collectives engine of this process from the setting (Run:Engine) and the launch:
/// "auto" = one process → <see cref="SingleProcessCollectives"/>, several → NCCL on a CUDA device, MPI on the CPU;
/// "single" refuses a multi-process launch; "mpi" and "nccl" force the engine (NCCL at world 1 needs no launcher and
/// no MPI: its unique id is made locally, so it can be compared with the one-process path on one GPU).
/// Every failure is a <see cref="DistributedLaunchException"/> whose message is the one line to print (exit 2).
/// </summary>
public static class CollectivesFactory
{
    /// <summary>The engine names Run:Engine accepts.</summary>
    public static IReadOnlyList<string> Engines { get; } = ["auto", "single", "mpi", "nccl"];

    /// <summary>The engine "auto" resolves to for <paramref name="launch"/> on <paramref name="device"/>.</summary>
    public static string Resolve(string engine, LaunchInfo launch, string device)
    {
        engine = engine.ToLowerInvariant();
        if (!Engines.Contains(engine)) throw new DistributedLaunchException($"Run:Engine '{engine}' is not one of {string.Join(", ", Engines)}");
        if (engine != "auto") return engine;
        if (!launch.IsMultiProcess) return "single";
        return device.StartsWith("cuda", StringComparison.Ordinal) ? "nccl" : "mpi";
    }

    /// <summary>Opens the engine (MPI_Init, NCCL communicator); the caller owns it and disposes it last (MPI_Finalize).</summary>
    public static ICollectives Open(string engine, LaunchInfo launch, string device)
    {
        var resolved = Resolve(engine, launch, device);
        bool cuda = device.StartsWith("cuda", StringComparison.Ordinal);
        try
        {
            switch (resolved)
            {
                case "single":
                    if (launch.IsMultiProcess)
                        throw new DistributedLaunchException($"Run:Engine=single, but this process was launched as {launch}: use auto, mpi or nccl, or launch one process");
                    return SingleProcessCollectives.Instance;
                case "mpi":
                    if (cuda) throw new DistributedLaunchException($"Run:Engine=mpi carries CPU tensors, but the device is {device}: use nccl (or auto) on GPUs");
                    return new MpiCollectives(launch);
                default:
                    if (!cuda) throw new DistributedLaunchException($"Run:Engine=nccl needs a CUDA device, but the device is {device}");
                    var bootstrap = launch.IsMultiProcess ? new MpiCollectives(launch) : null;
                    try { return new NcclCollectives(launch, bootstrap); }
                    catch { bootstrap?.Dispose(); throw; }
            }
        }
        catch (DistributedLaunchException e) when (launch.IsMultiProcess && !e.Message.Contains(launch.ToString(), StringComparison.Ordinal))
        {
            throw new DistributedLaunchException($"{launch}: {e.Message}", e);
        }
    }
}
