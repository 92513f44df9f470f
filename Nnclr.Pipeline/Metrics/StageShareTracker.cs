namespace Nnclr.Pipeline.Metrics;

/// <summary>
/// Each stage's busy share over the last log interval (busy seconds / wall seconds between two reports), rather than
/// since the start: what a timeline of the bottleneck needs. Used by one thread (the train thread's observer).
/// </summary>
public sealed class StageShareTracker
{
    // Per stage name: busy and wall seconds at the previous report.
    private readonly Dictionary<string, (double Busy, double Wall)> _previous = new();

    /// <summary>(stage, busy share 0–1) for every stage of <paramref name="report"/>, over the time since the previous call.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Next(StageReport report)
    {
        var shares = new List<KeyValuePair<string, double>>(report.Stages.Count);
        foreach (var s in report.Stages)
        {
            var (busy0, wall0) = _previous.GetValueOrDefault(s.Name);
            double wall = s.WallSeconds - wall0, busy = s.BusySeconds - busy0;
            shares.Add(new(s.Name, wall > 0 ? Math.Clamp(busy / wall, 0, 1) : 0));
            _previous[s.Name] = (s.BusySeconds, s.WallSeconds);
        }
        return shares;
    }
}
