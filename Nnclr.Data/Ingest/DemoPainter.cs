namespace Nnclr.Data.Ingest;

/// <summary>
/// Paints one 32×32 demo image of a class: a shape or pattern at a random position, scale, rotation and
/// colour over a random background with a random gradient and pixel noise. Pure function of its random stream.
/// </summary>
internal static class DemoPainter
{
    public const int Side = 32;
    public static readonly string[] Classes = ["circle", "square", "triangle", "horizontal-stripes", "vertical-stripes", "checkerboard", "ring", "cross", "diagonal-gradient", "dots"];

    public static void Paint(int label, ref SampleRandom rng, Span<byte> hwc)
    {
        Span<double> bg = stackalloc double[3], fg = stackalloc double[3], bg2 = stackalloc double[3];
        do
        {
            for (int c = 0; c < 3; c++) { bg[c] = rng.Uniform(0, 255); fg[c] = rng.Uniform(0, 255); }
        } while (Math.Abs(bg[0] - fg[0]) + Math.Abs(bg[1] - fg[1]) + Math.Abs(bg[2] - fg[2]) < 180);
        for (int c = 0; c < 3; c++) bg2[c] = Math.Clamp(bg[c] + rng.Uniform(-50, 50), 0, 255);
        double cx = rng.Uniform(10, 22), cy = rng.Uniform(10, 22), scale = rng.Uniform(6, 11.5);
        double angle = rng.Uniform(-0.35, 0.35), cos = Math.Cos(angle), sin = Math.Sin(angle);
        double period = rng.Uniform(4, 8), phase = rng.Uniform(0, 2 * Math.PI), cell = rng.Uniform(3, 6);
        double dotGap = rng.Uniform(6, 9), dotR = rng.Uniform(1.3, 2.2), ox = rng.Uniform(0, 9), oy = rng.Uniform(0, 9);
        double gradAngle = rng.Uniform(0, 2 * Math.PI), noise = rng.Uniform(0, 28);
        bool diagonalUp = rng.Bernoulli(0.5);
        for (int y = 0; y < Side; y++)
            for (int x = 0; x < Side; x++)
            {
                double px = x + 0.5, py = y + 0.5;
                double du = px - cx, dv = py - cy;
                double u = (du * cos + dv * sin) / scale, v = (-du * sin + dv * cos) / scale;
                double cover = label switch
                {
                    0 => u * u + v * v <= 1 ? 1 : 0,
                    1 => Math.Max(Math.Abs(u), Math.Abs(v)) <= 0.85 ? 1 : 0,
                    2 => v <= 0.8 && Math.Abs(u) <= (v + 1) / 1.8 * 0.95 ? 1 : 0,
                    3 => Math.Sin(2 * Math.PI * (py + du * sin) / period + phase) > 0 ? 1 : 0,
                    4 => Math.Sin(2 * Math.PI * (px + dv * sin) / period + phase) > 0 ? 1 : 0,
                    5 => (((int)Math.Floor((px + ox) / cell) + (int)Math.Floor((py + oy) / cell)) & 1) == 1 ? 1 : 0,
                    6 => Math.Sqrt(u * u + v * v) is var d && d >= 0.55 && d <= 1 ? 1 : 0,
                    7 => (Math.Abs(u) <= 0.3 && Math.Abs(v) <= 1) || (Math.Abs(v) <= 0.3 && Math.Abs(u) <= 1) ? 1 : 0,
                    8 => Math.Clamp(((diagonalUp ? px + py : px + (Side - py)) - 8) / (2 * Side - 16), 0, 1),
                    9 => Dot(px + ox, py + oy, dotGap, dotR) ? 1 : 0,
                    _ => throw new ArgumentOutOfRangeException(nameof(label)),
                };
                double g = ((px - 16) * Math.Cos(gradAngle) + (py - 16) * Math.Sin(gradAngle)) / 45 + 0.5;
                for (int c = 0; c < 3; c++)
                {
                    double back = bg[c] + (bg2[c] - bg[c]) * g;
                    double value = back + (fg[c] - back) * cover + rng.Uniform(-noise, noise);
                    hwc[(y * Side + x) * 3 + c] = (byte)Math.Clamp(Math.Round(value), 0, 255);
                }
            }
    }

    private static bool Dot(double x, double y, double gap, double r)
    {
        double dx = x - (Math.Floor(x / gap) + 0.5) * gap, dy = y - (Math.Floor(y / gap) + 0.5) * gap;
        return dx * dx + dy * dy <= r * r;
    }
}
