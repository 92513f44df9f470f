using Nnclr.Model;

namespace Nnclr.Pipeline.Configuration;

/// <summary>
/// Every configuration section a training session reads, bound and validated once by Host (its <c>ResolvedConfig</c>
/// derives from this and adds the binding, the preset-aware device rule and the JSON form). The session code
/// (<c>Nnclr.Pipeline/Session</c>) takes this type, so it never depends on how the configuration was layered.
/// </summary>
public abstract record TrainingConfig(
    DataOptions Data, AugmentOptions Augment, ModelOptions Model, OptimOptions Optim, NnclrOptions Nnclr,
    PipelineOptions Pipeline, CheckpointOptions Checkpoint, EvalOptions Eval, RunOptions Run)
{
    /// <summary>--allow-config-change keys: maths settings a --resume may change (not a setting; never written).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> AllowedChanges { get; init; } = [];

    /// <summary>The run directory (absolute).</summary>
    public abstract string RunDir { get; }

    /// <summary>The device the pipeline uses ("cpu", "cuda", "cuda:N"); throws <see cref="ConfigurationException"/> with the cause and fix.</summary>
    public abstract string ResolveDevice();

    /// <summary>Indented JSON of every section: config.resolved.json and the configuration stored in each checkpoint.</summary>
    public abstract string ToJson();
}
