using System.ComponentModel.DataAnnotations;

namespace Nnclr.Pipeline.Configuration;

/// <summary>Section "Run": where, how long, logging, lifetime.</summary>
public sealed class RunOptions
{
    public const string Section = "Run";

    /// <summary>The preset the defaults came from.</summary>
    public string Preset { get; set; } = "";

    /// <summary>Run directory (checkpoints/, metrics.jsonl, config.resolved.json, summary.json); "" = runs/&lt;preset&gt;.</summary>
    public string RunDir { get; set; } = "";

    /// <summary>Stop after this many steps in total (0 = Optim:Epochs epochs).</summary>
    [Range(0, long.MaxValue, ErrorMessage = "Run:MaxSteps must be >= 0")]
    public long MaxSteps { get; set; }

    /// <summary>Fixed algorithms on any device (see TorchRuntime.UseDeterministicAlgorithms): same seed, same machine → same bits.</summary>
    public bool Deterministic { get; set; }

    /// <summary>Continue from the latest valid checkpoint in the run directory.</summary>
    public bool Resume { get; set; }

    public long Seed { get; set; } = 42;

    /// <summary>Backbone weights a new run starts from (checkpoint, run directory, safetensors or .pth with torchvision names); "" = random init. Ignored when resuming.</summary>
    public string InitFrom { get; set; } = "";

    /// <summary>Steps per log interval (loss read to the host, metrics.jsonl line, progress).</summary>
    [Range(1, 1_000_000, ErrorMessage = "Run:LogEvery must be between {1} and {2}")]
    public int LogEvery { get; set; } = 50;

    /// <summary>"auto" (JSON lines when stdout is not a terminal), "json" or "text".</summary>
    [AllowedValues("auto", "json", "text", ErrorMessage = "Run:LogFormat must be 'auto', 'json' or 'text'")]
    public string LogFormat { get; set; } = "auto";

    /// <summary>
    /// Collectives engine of data-parallel training: "auto" (one process: none; launched by mpirun/srun: NCCL on CUDA,
    /// Open MPI on the CPU), "single" (refuses a multi-process launch), "mpi" or "nccl" (NCCL at world 1 runs without a
    /// launcher). Environment: NNCLR_Run__Engine.
    /// </summary>
    [AllowedValues("auto", "single", "mpi", "nccl", ErrorMessage = "Run:Engine must be 'auto', 'single', 'mpi' or 'nccl'")]
    public string Engine { get; set; } = "auto";

    /// <summary>On NaN/Inf loss: "stop" (exit 1) or "rollback" (resume from the last good checkpoint).</summary>
    [AllowedValues("stop", "rollback", ErrorMessage = "Run:OnNonFiniteLoss must be 'stop' or 'rollback'")]
    public string OnNonFiniteLoss { get; set; } = "stop";

    /// <summary>Seconds a SIGTERM/Ctrl-C waits for the current step and the final checkpoint.</summary>
    [Range(1, 3600, ErrorMessage = "Run:ShutdownTimeoutSeconds must be between {1} and {2}")]
    public int ShutdownTimeoutSeconds { get; set; } = 120;

    /// <summary>A copy with <see cref="Resume"/> replaced (used by the NaN rollback).</summary>
    public RunOptions With(bool resume)
    {
        var copy = (RunOptions)MemberwiseClone();
        copy.Resume = resume;
        return copy;
    }
}
