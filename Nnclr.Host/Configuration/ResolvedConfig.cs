using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Nnclr.Host.Configuration;

/// <summary>Every section, bound and validated: what a run uses, written to config.resolved.json.</summary>
public sealed record ResolvedConfig(
    DataOptions Data, AugmentOptions Augment, ModelOptions Model, OptimOptions Optim, NnclrOptions Nnclr,
    PipelineOptions Pipeline, CheckpointOptions Checkpoint, EvalOptions Eval, RunOptions Run)
{
    /// <summary>The run directory: Run:RunDir, or runs/&lt;preset&gt;.</summary>
    public string RunDir => Path.GetFullPath(Run.RunDir.Length > 0 ? Run.RunDir : Path.Combine("runs", Run.Preset));

    /// <summary>The device the pipeline uses: Pipeline:Device resolved by <see cref="Nnclr.Model.Runtime.TorchRuntime.ResolveDevice"/>.</summary>
    public string ResolveDevice() => global::Nnclr.Model.Runtime.TorchRuntime.ResolveDevice(Pipeline.Device);

    /// <summary>Indented JSON of every section.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    internal static ResolvedConfig From(IServiceProvider sp, IConfiguration configuration)
    {
        T Get<T>() where T : class => sp.GetRequiredService<IOptions<T>>().Value;
        return new ResolvedConfig(Get<DataOptions>(), Get<AugmentOptions>(), Get<ModelOptions>(), Get<OptimOptions>(),
            Get<NnclrOptions>(), Get<PipelineOptions>(), Get<CheckpointOptions>(), Get<EvalOptions>(), Get<RunOptions>());
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
