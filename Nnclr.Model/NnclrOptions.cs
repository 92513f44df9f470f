using System.ComponentModel.DataAnnotations;

namespace Nnclr.Model;

/// <summary>Section "Nnclr": support set and loss, bound directly from configuration and read by <see cref="NnclrTrainer"/>.</summary>
public sealed class NnclrOptions
{
    public const string Section = "Nnclr";

    /// <summary>Softmax temperature τ.</summary>
    [Range(0.001, 10.0, ErrorMessage = "Nnclr:Temperature must be between {1} and {2}")]
    public double Temperature { get; set; } = 0.2;

    /// <summary>Support-set rows |Q|; a multiple of Optim:BatchSize (it is written a batch at a time).</summary>
    [Range(1, 4_194_304, ErrorMessage = "Nnclr:SupportSetSize must be between {1} and {2}")]
    public int SupportSetSize { get; set; } = 65536;

    /// <summary>Nearest neighbour drawn uniformly among the top k (1 = the nearest).</summary>
    [Range(1, 1024, ErrorMessage = "Nnclr:TopK must be between {1} and {2}")]
    public int TopK { get; set; } = 1;

    /// <summary>"paper" (default), "symmetric" (adds the transposed term) or "same-view-negatives".</summary>
    [AllowedValues("paper", "symmetric", "same-view-negatives", "simclr", ErrorMessage = "Nnclr:Loss must be 'paper', 'symmetric' or 'same-view-negatives' (alias 'simclr')")]
    public string Loss { get; set; } = "paper";

    /// <summary>
    /// The one statement of the rule "the support set is a whole number of batches" (it is written one batch at a
    /// time): null when it holds, else the message naming both settings.
    /// </summary>
    public static string? SupportSetProblem(long supportSetSize, long batchSize) =>
        batchSize > 0 && (supportSetSize < batchSize || supportSetSize % batchSize != 0)
            ? $"Nnclr:SupportSetSize ({supportSetSize}) must be a multiple of Optim:BatchSize ({batchSize}): the support set is written one batch at a time"
            : null;

    /// <summary>Rules across fields and sections that attributes cannot express (the batch comes from Optim).</summary>
    public IEnumerable<string> Problems(OptimOptions optim)
    {
        if (SupportSetProblem(SupportSetSize, optim.BatchSize) is { } problem) yield return problem;
        if (TopK > SupportSetSize)
            yield return $"Nnclr:TopK ({TopK}) must not exceed Nnclr:SupportSetSize ({SupportSetSize})";
    }
}
