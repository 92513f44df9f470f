namespace Nnclr.Model;

/// <summary>Parses the config spelling of a <see cref="LossVariant"/>.</summary>
public static class LossVariants
{
    /// <summary>"paper" | "symmetric" | "same-view-negatives" (alias "simclr"); anything else is an <see cref="ArgumentException"/> naming Nnclr:Loss.</summary>
    public static LossVariant Parse(string name) => name switch
    {
        "paper" => LossVariant.Paper,
        "symmetric" => LossVariant.Symmetric,
        "same-view-negatives" or "simclr" => LossVariant.SimClr,
        _ => throw new ArgumentException($"Nnclr:Loss '{name}' is not one of paper, symmetric, same-view-negatives (alias simclr)", "Loss"),
    };
}
