using Microsoft.Extensions.Options;
using Nnclr.Model;

namespace Nnclr.Host.Configuration;

/// <summary>Runs <see cref="NnclrOptions.Problems"/> (rules across sections that attributes cannot express) when the section binds.</summary>
public sealed class NnclrOptionsValidator(IOptions<OptimOptions> optim) : IValidateOptions<NnclrOptions>
{
    public ValidateOptionsResult Validate(string? name, NnclrOptions options)
    {
        var failures = options.Problems(optim.Value).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
