namespace Nnclr.Model;

/// <summary>Which negatives the NNCLR loss uses (see <see cref="NnclrLoss"/>).</summary>
public enum LossVariant
{
    /// <summary>Negatives: the other view's predictions (NNCLR paper, Eq. 3).</summary>
    Paper,
    /// <summary>Paper plus the transposed term (softmax over the nearest neighbours, paper §3.2).</summary>
    Symmetric,
    /// <summary>Paper plus same-view negatives (SimCLR-style, 2N−2 negatives per anchor).</summary>
    SimClr,
}
