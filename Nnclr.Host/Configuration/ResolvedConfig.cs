using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Nnclr.Model;
using Nnclr.Model.Runtime;
using Nnclr.Pipeline.Configuration;
using Nnclr.Pipeline.Session;

namespace Nnclr.Host.Configuration;

/// <summary>Every section, bound and validated: what a run uses, written to config.resolved.json (the session's <see cref="TrainingConfig"/>).</summary>
public sealed record ResolvedConfig(
    DataOptions Data, AugmentOptions Augment, ModelOptions Model, OptimOptions Optim, NnclrOptions Nnclr,
    PipelineOptions Pipeline, CheckpointOptions Checkpoint, EvalOptions Eval, RunOptions Run)
    : TrainingConfig(Data, Augment, Model, Optim, Nnclr, Pipeline, Checkpoint, Eval, Run)
{
    /// <summary>The run directory: Run:RunDir, or runs/&lt;preset&gt;.</summary>
    [System.Text.Json.Serialization.JsonPropertyOrder(1)] // after the sections in config.resolved.json, as before it was inherited
    public override string RunDir => Path.GetFullPath(Run.RunDir.Length > 0 ? Run.RunDir : Path.Combine("runs", Run.Preset));

    /// <summary>
    /// The device the pipeline uses: Pipeline:Device resolved by <see cref="TorchRuntime.ResolveDevice"/> (a preset meant
    /// for a GPU named in the error); throws <see cref="ConfigurationException"/> (exit 2) with its one-line cause and fix.
    /// </summary>
    public override string ResolveDevice()
    {
        var gpuPreset = Presets.MeantForGpu(Run.Preset) && Pipeline.Device.StartsWith("cuda", StringComparison.Ordinal) ? Run.Preset : null;
        try { return TorchRuntime.ResolveDevice(Pipeline.Device, gpuPreset); }
        catch (DeviceUnavailableException e) { throw new ConfigurationException(e.Message, e); }
    }

    /// <summary>Indented JSON of every section.</summary>
    public override string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>
    /// config.resolved.json, `nnclr config show` and `train --dry-run`: every section with each "decide later" value made
    /// concrete (Pipeline:Device as resolved on this machine, Pipeline:AugmentThreads, Data:Dir and Run:RunDir as full
    /// paths), ending in a newline. Given back with --config (no --preset needed) it resolves to the same bytes.
    /// </summary>
    public string ToResolvedJson()
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(ToJson())!.AsObject();
        root["Data"]!["Dir"] = DatasetLocator.DirectoryFor(Data);
        root["Pipeline"]!["Device"] = ResolveDevice();
        root["Pipeline"]!["AugmentThreads"] = global::Nnclr.Pipeline.PipelineSettings.ResolveAugmentThreads(Pipeline.AugmentThreads);
        root["Run"]!["RunDir"] = RunDir;
        root.Remove(nameof(RunDir)); // the computed property, not a section (ToJson keeps it for the checkpoints' hash)
        return root.ToJsonString(JsonOptions) + "\n";
    }

    internal static ResolvedConfig From(IServiceProvider sp, IConfiguration configuration)
    {
        T Get<T>() where T : class => sp.GetRequiredService<IOptions<T>>().Value;
        return new ResolvedConfig(Get<DataOptions>(), Get<AugmentOptions>(), Get<ModelOptions>(), Get<OptimOptions>(),
            Get<NnclrOptions>(), Get<PipelineOptions>(), Get<CheckpointOptions>(), Get<EvalOptions>(), Get<RunOptions>());
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
