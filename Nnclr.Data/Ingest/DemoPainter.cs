namespace Nnclr.Data.Ingest;

/// <summary>
/// Paints one 32×32 demo image of a class. Every class is a texture that fills the whole image, so any crop
/// of it still shows the class (the views NNCLR trains on are crops of ≥ 30 % of the area), and no class is
/// the mirror image of another (views are flipped). What varies within a class and carries no class
/// information — foreground and background colour, a background gradient, pixel noise, scale, phase, a small
/// rotation — is what colour jitter, greyscale and crops teach the network to ignore, and what dominates the
/// pixels, so a randomly initialised network sees mostly nuisance. Pure function of its random stream.
/// </summary>
internal static class DemoPainter
{
    public const int Side = 32;
    public static readonly string[] Classes = ["horizontal-stripes", "vertical-stripes", "diagonal-stripes", "checkerboard", "diamonds", "dots", "grid", "rings", "zigzag", "plain"];

    public static void Paint(int label, ref SampleRandom rng, Span<byte> hwc)
    {
        Span<double> bg = stackalloc double[3], fg = stackalloc double[3], bg2 = stackalloc double[3];
        do
        {
            for (int c = 0; c < 3; c++) { bg[c] = rng.Uniform(0, 255); fg[c] = rng.Uniform(0, 255); }
        } while (Math.Abs(bg[0] - fg[0]) + Math.Abs(bg[1] - fg[1]) + Math.Abs(bg[2] - fg[2]) < 150);
        for (int c = 0; c < 3; c++) bg2[c] = Math.Clamp(bg[c] + rng.Uniform(-60, 60), 0, 255);
        double jitter = rng.Uniform(-0.17, 0.17);
        double angle = label switch
        {
            2 => (rng.Bernoulli(0.5) ? 1 : -1) * Math.PI / 4 + jitter, // both diagonals: a flipped view stays in its class
            4 => Math.PI / 4 + jitter,
            _ => jitter,
        };
        double cos = Math.Cos(angle), sin = Math.Sin(angle);
        double period = rng.Uniform(4.5, 9), phase = rng.Uniform(0, 1), cell = rng.Uniform(3, 6);
        double gap = rng.Uniform(5, 8), width = rng.Uniform(1.2, 1.9), dotR = rng.Uniform(1.2, 2.1);
        double ox = rng.Uniform(0, 16), oy = rng.Uniform(0, 16), rcx = rng.Uniform(-8, 40), rcy = rng.Uniform(-8, 40);
        double zigAmp = rng.Uniform(1.8, 3.2), zigLen = rng.Uniform(7, 12);
        double gradAngle = rng.Uniform(0, 2 * Math.PI), noise = rng.Uniform(0, 24);
        for (int y = 0; y < Side; y++)
            for (int x = 0; x < Side; x++)
            {
                double px = x + 0.5 + ox, py = y + 0.5 + oy;
                double u = px * cos + py * sin, v = -px * sin + py * cos; // rotated coordinates
                double cover = label switch
                {
                    0 => Stripe(v / period + phase),
                    1 => Stripe(u / period + phase),
                    2 => Stripe(u / period + phase),
                    3 or 4 => (((int)Math.Floor(u / cell) + (int)Math.Floor(v / cell)) & 1) == 1 ? 1 : 0,
                    5 => Dot(u, v, gap, dotR) ? 1 : 0,
                    6 => Line(u, gap, width) || Line(v, gap, width) ? 1 : 0,
                    7 => Stripe(Math.Sqrt((x + 0.5 - rcx) * (x + 0.5 - rcx) + (y + 0.5 - rcy) * (y + 0.5 - rcy)) / period + phase),
                    8 => Stripe((v + zigAmp * Triangle(u / zigLen)) / period + phase),
                    9 => 0,
                    _ => throw new ArgumentOutOfRangeException(nameof(label)),
                };
                double g = ((x - 15.5) * Math.Cos(gradAngle) + (y - 15.5) * Math.Sin(gradAngle)) / 45 + 0.5;
                for (int c = 0; c < 3; c++)
                {
                    double back = bg[c] + (bg2[c] - bg[c]) * g;
                    double value = back + (fg[c] - back) * cover + rng.Uniform(-noise, noise);
                    hwc[(y * Side + x) * 3 + c] = (byte)Math.Clamp(Math.Round(value), 0, 255);
                }
            }
    }

    /// <summary>1 on the first half of each unit period of <paramref name="t"/>, else 0.</summary>
    private static double Stripe(double t) => t - Math.Floor(t) < 0.5 ? 1 : 0;

    /// <summary>A triangle wave in [−1, 1] with unit period: the zigzag's centre line.</summary>
    private static double Triangle(double t) => 4 * Math.Abs(t - Math.Floor(t + 0.5)) - 1;

    private static bool Line(double t, double gap, double width) => t - Math.Floor(t / gap) * gap < width;

    private static bool Dot(double x, double y, double gap, double r)
    {
        double dx = x - (Math.Floor(x / gap) + 0.5) * gap, dy = y - (Math.Floor(y / gap) + 0.5) * gap;
        return dx * dx + dy * dy <= r * r;
    }
}
