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
/// total = L(NN(z1), p2[, p1]) / 2 + L(NN(z2), p1[, p2]) / 2. Computed in fp32 whatever the inputs' dtype.
/// </summary>
public static class NnclrLoss
{
    /// <summary>The loss, a 0-dim fp32 tensor owned by the caller's dispose scope.</summary>
    public static Tensor Compute(Tensor nn1, Tensor p1, Tensor nn2, Tensor p2, double temperature, LossVariant variant)
    {
        using var scope = torch.NewDisposeScope();
        var a1 = functional.normalize(nn1.to(ScalarType.Float32), p: 2, dim: 1);
        var a2 = functional.normalize(nn2.to(ScalarType.Float32), p: 2, dim: 1);
        var b1 = functional.normalize(p1.to(ScalarType.Float32), p: 2, dim: 1);
        var b2 = functional.normalize(p2.to(ScalarType.Float32), p: 2, dim: 1);
        var total = Term(a1, b2, b1, temperature, variant) / 2 + Term(a2, b1, b2, temperature, variant) / 2;
        return total.MoveToOuterDisposeScope();
    }

    // One direction: anchors a (unit nearest neighbours), positives b (unit predictions of the other view),
    // own-view predictions bSame (used by simclr only).
    private static Tensor Term(Tensor a, Tensor b, Tensor bSame, double tau, LossVariant variant)
    {
        var s = a.mm(b.t()).div_(tau);
        var positives = s.diagonal();
        switch (variant)
        {
            case LossVariant.Paper:
                return (s.logsumexp(1) - positives).mean();
            case LossVariant.Symmetric:
                return (s.logsumexp(1) - positives).mean() + (s.logsumexp(0) - positives).mean();
            case LossVariant.SimClr:
                var same = a.mm(bSame.t()).div_(tau);
                var self = torch.eye(a.shape[0], dtype: ScalarType.Bool, device: a.device);
                same = same.masked_fill(self, double.NegativeInfinity);
                return (torch.cat([s, same], 1).logsumexp(1) - positives).mean();
            default:
                throw new ArgumentOutOfRangeException(nameof(variant), variant, "unknown loss variant");
        }
    }
}
