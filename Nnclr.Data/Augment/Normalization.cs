namespace Nnclr.Data.Augment;

/// <summary>Per-channel (R, G, B) means and standard deviations on the [0, 1] scale. Each read returns a fresh array.</summary>
public static class Normalization
{
    public static float[] CifarMean => [0.4914f, 0.4822f, 0.4465f];
    public static float[] CifarStd => [0.247f, 0.243f, 0.261f];
    public static float[] ImageNetMean => [0.485f, 0.456f, 0.406f];
    public static float[] ImageNetStd => [0.229f, 0.224f, 0.225f];

    /// <summary>Scale 1/std and bias −mean/std per channel, after checking lengths and positivity.</summary>
    internal static (float[] Scale, float[] Bias) Affine(float[] mean, float[] std)
    {
        if (mean is not { Length: 3 } || std is not { Length: 3 }) throw new ArgumentException("mean and std need 3 values (R, G, B)");
        if (std.Any(s => !(s > 0))) throw new ArgumentException($"std must be positive; got [{string.Join(", ", std)}]");
        var scale = std.Select(s => 1f / s).ToArray();
        return (scale, mean.Select((m, c) => -m * scale[c]).ToArray());
    }
}
