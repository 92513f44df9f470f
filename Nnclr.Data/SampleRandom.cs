namespace Nnclr.Data;

/// <summary>
/// A small counter-based generator (SplitMix64) whose stream is a pure function of (seed, a, b, stream):
/// per-sample randomness that does not depend on threads or scheduling. A value type: no allocation.
/// </summary>
public struct SampleRandom
{
    // Current SplitMix64 state; advanced by the golden gamma on every draw.
    private ulong _state;

    public SampleRandom(ulong seed, long a, long b, ulong stream = 0)
    {
        _state = Mix(Mix(Mix(seed ^ 0x6A09E667F3BCC909UL) ^ (ulong)a) + (ulong)b ^ Mix(stream + 0xBB67AE8584CAA73BUL));
    }

    public static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextULong()
    {
        _state += 0x9E3779B97F4A7C15UL;
        ulong z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [lo, hi).</summary>
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform integer in [0, n), n &gt; 0 (Lemire's multiply-shift; bias below 2^-32).</summary>
    public int NextInt(int n) => (int)(((NextULong() >> 32) * (ulong)n) >> 32);

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Bernoulli(double p) => NextDouble() < p;
}
