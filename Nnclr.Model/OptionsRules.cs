using System.ComponentModel.DataAnnotations;

namespace Nnclr.Model;

/// <summary>
/// Validates the three section types for callers that build them by hand (tests, <c>export --random-init</c>): the same
/// attributes and <c>Problems</c> rules the host's options validation runs when it binds configuration.
/// </summary>
public static class OptionsRules
{
    /// <summary>Every broken rule of <paramref name="options"/>' attributes, one message each.</summary>
    public static IEnumerable<string> AttributeProblems(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage ?? $"invalid {string.Join(", ", r.MemberNames)}");
    }

    /// <summary>Throws an <see cref="ArgumentException"/> with the first broken rule of any section.</summary>
    public static void Require(ModelOptions model, NnclrOptions nnclr, OptimOptions optim)
    {
        var first = AttributeProblems(model).Concat(AttributeProblems(nnclr)).Concat(AttributeProblems(optim))
            .Concat(nnclr.Problems(optim)).Concat(optim.Problems()).FirstOrDefault();
        if (first is not null) throw new ArgumentException(first);
    }

    /// <summary>Throws an <see cref="ArgumentException"/> with the first broken rule of <paramref name="model"/>.</summary>
    public static void Require(ModelOptions model)
    {
        if (AttributeProblems(model).FirstOrDefault() is { } first) throw new ArgumentException(first);
    }
}
