namespace Nnclr.Pipeline.Metrics;

/// <summary>Names the stage that limits throughput.</summary>
public static class Bottleneck
{
    /// <summary>A stage starved more than this fraction of the time is not the bottleneck: something upstream is.</summary>
    public const double StarvedFraction = 0.25;

    /// <summary>
    /// The bottleneck is the stage that is busy most of the time while not starved of input: everything
    /// upstream of it ends up blocked on output (waiting for it to take items) and everything downstream
    /// blocked on input (waiting for it to produce). Stages are given in pipeline order; null when no
    /// stage has run.
    /// </summary>
    public static string? Find(IReadOnlyList<StageSnapshot> stages)
    {
        StageSnapshot? best = null;
        foreach (var s in stages)
        {
            // A stage that has not finished an item yet (e.g. checkpoint before the first one) has only an
            // unfinished input wait, which is not counted yet: it cannot be judged.
            if (s.WallSeconds <= 0 || s.Items == 0 || s.InputWaitFraction > StarvedFraction) continue;
            if (best is null || s.BusyFraction > best.BusyFraction) best = s;
        }
        if (best is not null) return best.Name;
        foreach (var s in stages)
            if (s.WallSeconds > 0 && (best is null || s.BusyFraction > best.BusyFraction)) best = s;
        return best?.Name;
    }
}
