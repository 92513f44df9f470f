namespace Nnclr.Model;

/// <summary>Counts of correct top-1 and top-5 predictions from class scores.</summary>
public static class TopKAccuracy
{
    /// <summary>(top-1 hits, top-5 hits) of <paramref name="scores"/> [B, C] against <paramref name="targets"/> [B]; one host sync.</summary>
    public static (long Top1, long Top5) Count(Tensor scores, Tensor targets)
    {
        using var scope = torch.NewDisposeScope();
        int k = (int)Math.Min(5, scores.shape[1]);
        var (_, top) = scores.topk(k, dim: 1);
        var correct = top.eq(targets.view(-1, 1));
        long top1 = correct.narrow(1, 0, 1).sum().item<long>(); // host sync: one number per chunk
        long top5 = correct.sum().item<long>();                 // host sync
        return (top1, top5);
    }
}
