namespace Nnclr.Model;

/// <summary>
/// The NNCLR loss as a pure function (DESIGN.md "NNCLR, precisely"). With a = normalize(nn), b = normalize(p),
/// S = a·bᵀ/τ and CE(S) = mean_i(logsumexp_j S_ij − S_ii):
/// <list type="bullet">
/// <item>paper: L(nn, p) = CE(S)</item>
/// <item>symmetric: L(nn, p) = CE(S) + CE(Sᵀ)</item>
/// <item>simclr: L(nn, p, p') = mean_i(logsumexp([S_i·, T_i·]) − S_ii) with T = a·normalize(p')ᵀ/τ, T_ii = −∞
/// (p' = the anchor's own view's predictions: 2N−2 negatives)</item>
/// </list>
/// total = L(NN(z1), p2[, p1]) / 2 + L(NN(z2), p1[, p2]) / 2. Computed in fp32 whatever the inputs' dtype (fp64 inputs: fp64).
/// </summary>
public static class NnclrLoss
{
    /// <summary>The loss, a 0-dim fp32 tensor owned by the caller's dispose scope.</summary>
    public static Tensor Compute(Tensor nn1, Tensor p1, Tensor nn2, Tensor p2, double temperature, LossVariant variant) =>
        Compute(nn1, p1, nn2, p2, temperature, variant, 0, nn1, nn2);

    /// <summary>
    /// One rank's part of the loss over a global batch of B images (data parallel): the same terms for this rank's n
    /// anchor rows only, averaged over those n. <paramref name="nn1"/>, <paramref name="nn2"/>: this rank's neighbours
    /// [n, D]; <paramref name="p1"/>, <paramref name="p2"/>: every rank's predictions [B, D] in rank order (gathered with
    /// gradient); <paramref name="rowOffset"/>: where this rank's rows start among the B (the positive of anchor i is
    /// prediction rowOffset + i); <paramref name="nn1All"/>, <paramref name="nn2All"/>: every rank's neighbours [B, D]
    /// (read by "symmetric" only, whose column term runs over all anchors). With n = B this is exactly the one-process
    /// loss; the mean of the ranks' parts is the one-process loss over the global batch.
    /// </summary>
    public static Tensor Compute(Tensor nn1, Tensor p1, Tensor nn2, Tensor p2, double temperature, LossVariant variant,
        long rowOffset, Tensor nn1All, Tensor nn2All)
    {
        using var scope = torch.NewDisposeScope();
        var a1 = Unit(nn1);
        var a2 = Unit(nn2);
        var b1 = Unit(p1);
        var b2 = Unit(p2);
        bool whole = nn1.shape[0] == p1.shape[0];
        var a1All = whole ? a1 : Unit(nn1All);
        var a2All = whole ? a2 : Unit(nn2All);
        var total = Term(a1, b2, b1, a1All, rowOffset, temperature, variant) / 2 + Term(a2, b1, b2, a2All, rowOffset, temperature, variant) / 2;
        return total.MoveToOuterDisposeScope();
    }

    // fp32 unit rows (fp64 inputs stay fp64: verification runs).
    private static Tensor Unit(Tensor x) =>
        functional.normalize(x.dtype == ScalarType.Float64 ? x : x.to(ScalarType.Float32), p: 2, dim: 1);

    // One direction: anchors a [n] (unit nearest neighbours of this rank's rows), positives b [B] (unit predictions of
    // the other view, every rank's), own-view predictions bSame [B] (simclr only), all anchors aAll [B] (symmetric
    // only); anchor i's positive is column offset + i.
    private static Tensor Term(Tensor a, Tensor b, Tensor bSame, Tensor aAll, long offset, double tau, LossVariant variant)
    {
        var s = a.mm(b.t()).div_(tau);
        var positives = s.diagonal(offset);
        switch (variant)
        {
            case LossVariant.Paper:
                return (s.logsumexp(1) - positives).mean();
            case LossVariant.Symmetric:
                // Column j (this rank's prediction offset + j) against every anchor: s itself when this rank holds all rows.
                long n = a.shape[0];
                var columns = ReferenceEquals(aAll, a) ? s : aAll.mm(b.narrow(0, offset, n).t()).div_(tau);
                var columnPositives = ReferenceEquals(aAll, a) ? positives : columns.diagonal(-offset);
                return (s.logsumexp(1) - positives).mean() + (columns.logsumexp(0) - columnPositives).mean();
            case LossVariant.SimClr:
                var same = a.mm(bSame.t()).div_(tau);
                var self = torch.eye(b.shape[0], dtype: ScalarType.Bool, device: a.device).narrow(0, offset, a.shape[0]);
                same = same.masked_fill(self, double.NegativeInfinity);
                return (torch.cat([s, same], 1).logsumexp(1) - positives).mean();
            default:
                throw new ArgumentOutOfRangeException(nameof(variant), variant, "unknown loss variant");
        }
    }
}
