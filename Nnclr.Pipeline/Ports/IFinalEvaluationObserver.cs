namespace Nnclr.Pipeline.Ports;

/// <summary>
/// Told how the final evaluation goes, on the thread that runs it: how many images it will read, each batch done, and
/// each network's result as soon as it is known (the trained network's before the random-init baseline is classified).
/// </summary>
public interface IFinalEvaluationObserver
{
    /// <summary>The evaluation will read <paramref name="images"/> images in all (memory and queries).</summary>
    void Planned(long images);

    /// <summary><paramref name="images"/> more images are done, through <paramref name="networks"/> ("trained" or "trained,random_init").</summary>
    void Advanced(string networks, int images);

    /// <summary>One network's result, with summary.json's final_eval names and units; <paramref name="seconds"/>: its wall time.</summary>
    void NetworkDone(string network, IReadOnlyDictionary<string, double> values, double seconds);
}
