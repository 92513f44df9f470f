using Microsoft.Extensions.Options;

namespace Nnclr.Host.Configuration;

/// <summary>Rules across fields of the Optim section.</summary>
public sealed class OptimOptionsValidator : IValidateOptions<OptimOptions>
{
    public ValidateOptionsResult Validate(string? name, OptimOptions options) =>
        options.WarmupEpochs >= options.Epochs && options.WarmupEpochs > 0
            ? ValidateOptionsResult.Fail($"Optim:WarmupEpochs ({options.WarmupEpochs}) must be less than Optim:Epochs ({options.Epochs})")
            : ValidateOptionsResult.Success;
}
