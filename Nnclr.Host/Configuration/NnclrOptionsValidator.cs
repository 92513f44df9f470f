using Microsoft.Extensions.Options;

namespace Nnclr.Host.Configuration;

/// <summary>Rules across sections that attributes cannot express.</summary>
public sealed class NnclrOptionsValidator(IOptions<OptimOptions> optim) : IValidateOptions<NnclrOptions>
{
    public ValidateOptionsResult Validate(string? name, NnclrOptions options)
    {
        var failures = new List<string>();
        int batch = optim.Value.BatchSize;
        if (batch > 0 && options.SupportSetSize % batch != 0)
            failures.Add($"Nnclr:SupportSetSize ({options.SupportSetSize}) must be a multiple of Optim:BatchSize ({batch}): the support set is written one batch at a time");
        if (options.TopK > options.SupportSetSize)
            failures.Add($"Nnclr:TopK ({options.TopK}) must not exceed Nnclr:SupportSetSize ({options.SupportSetSize})");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
