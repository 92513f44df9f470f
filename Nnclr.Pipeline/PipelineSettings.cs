using Nnclr.Pipeline.Ports;

namespace Nnclr.Pipeline;

/// <summary>How a <see cref="TrainingPipeline"/> is shaped and how long it runs.</summary>
public sealed record PipelineSettings
{
    /// <summary>Batch and image shapes every slot is preallocated for.</summary>
    public required BatchGeometry Geometry { get; init; }

    /// <summary>Steps already completed (the checkpoint's step when resuming, else 0).</summary>
    public long StartStep { get; init; }

    /// <summary>Train until this many steps are completed in total.</summary>
    public required long TotalSteps { get; init; }

    /// <summary>Where the model lives: "cpu" or "cuda[:i]". On CUDA host slots are pinned and device slots added.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Threads decoding and augmenting (the stage thread included).</summary>
    public int AugmentThreads { get; init; } = ResolveAugmentThreads(0);

    /// <summary>The one Pipeline:AugmentThreads rule: a positive setting as given; 0 = one per core minus one (at least 1).</summary>
    public static int ResolveAugmentThreads(int configured) => configured > 0 ? configured : Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>Raw slots between read and augment.</summary>
    public int RawSlots { get; init; } = 3;

    /// <summary>Host views slots between augment and upload (and train, on CPU).</summary>
    public int ViewSlots { get; init; } = 3;

    /// <summary>Device slots between upload and train (CUDA only).</summary>
    public int DeviceSlots { get; init; } = 2;

    /// <summary>Steps per log interval: the loss is read to the host this often.</summary>
    public int LogEvery { get; init; } = 50;

    /// <summary>Steps between periodic checkpoints (one is also written at the end and on a stop).</summary>
    public long CheckpointEvery { get; init; } = 1000;

    /// <summary>True when the device is a GPU.</summary>
    public bool IsCuda => Device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase);

    /// <summary>Throws one <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        Geometry.Validate();
        Check(StartStep >= 0, $"StartStep must be >= 0, got {StartStep}");
        Check(TotalSteps >= StartStep, $"TotalSteps ({TotalSteps}) must be >= StartStep ({StartStep})");
        Check(AugmentThreads is >= 1 and <= 256, $"AugmentThreads must be in 1..256, got {AugmentThreads}");
        Check(RawSlots >= 2, $"RawSlots must be >= 2, got {RawSlots}");
        Check(ViewSlots >= 2, $"ViewSlots must be >= 2, got {ViewSlots}");
        Check(DeviceSlots >= 1, $"DeviceSlots must be >= 1, got {DeviceSlots}");
        Check(LogEvery >= 1, $"LogEvery must be >= 1, got {LogEvery}");
        Check(CheckpointEvery >= 1, $"CheckpointEvery must be >= 1, got {CheckpointEvery}");
        Check(Device == "cpu" || IsCuda, $"Device must be 'cpu' or 'cuda[:i]', got '{Device}'");
    }

    private static void Check(bool ok, string message)
    {
        if (!ok) throw new ArgumentException("pipeline settings: " + message);
    }
}
