using Microsoft.Extensions.Options;
using Nnclr.Model;

namespace Nnclr.Host.Configuration;

/// <summary>Runs <see cref="OptimOptions.Problems"/> (rules across fields of the Optim section) when the section binds.</summary>
public sealed class OptimOptionsValidator : IValidateOptions<OptimOptions>
{
    public ValidateOptionsResult Validate(string? name, OptimOptions options)
    {
        var failures = options.Problems().ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
