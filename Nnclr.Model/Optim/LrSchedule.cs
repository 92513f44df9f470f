namespace Nnclr.Model;

/// <summary>
/// Linear warm-up then cosine decay. Peak = BaseLr × batch / 256. Step s (0-based, the update about to be taken):
/// s &lt; W: peak·(s+1)/W; else peak·½(1 + cos(π·(min(s,T) − W)/(T − W))); T = 0 means no decay.
/// </summary>
public sealed class LrSchedule
{
    /// <summary>The learning rate after warm-up, before decay.</summary>
    public double Peak { get; }
    /// <summary>Warm-up steps W ≥ 0.</summary>
    public long WarmupSteps { get; }
    /// <summary>Total steps T (0: constant after warm-up).</summary>
    public long TotalSteps { get; }

    public LrSchedule(double peak, long warmupSteps, long totalSteps)
    {
        Peak = peak; WarmupSteps = warmupSteps; TotalSteps = totalSteps;
    }

    /// <summary>lr = base × batch / 256.</summary>
    public static double ScaledPeak(double baseLr, int batchSize) => baseLr * batchSize / 256.0;

    /// <summary>The learning rate of update number <paramref name="step"/>.</summary>
    public double At(long step)
    {
        if (step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        if (TotalSteps <= 0) return Peak;
        double progress = (Math.Min(step, TotalSteps) - WarmupSteps) / (double)Math.Max(1, TotalSteps - WarmupSteps);
        return Peak * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
