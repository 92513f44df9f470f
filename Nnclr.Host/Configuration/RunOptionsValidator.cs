using Microsoft.Extensions.Options;

namespace Nnclr.Host.Configuration;

/// <summary>Rules across sections for the run.</summary>
public sealed class RunOptionsValidator(IOptions<PipelineOptions> pipeline) : IValidateOptions<RunOptions>
{
    public ValidateOptionsResult Validate(string? name, RunOptions options)
    {
        if (options.Deterministic && pipeline.Value.Device.StartsWith("cuda", StringComparison.Ordinal))
            return ValidateOptionsResult.Fail($"Run:Deterministic needs Pipeline:Device 'cpu' or 'auto' (got '{pipeline.Value.Device}'): bit-identical resume is a CPU guarantee");
        return ValidateOptionsResult.Success;
    }
}
