namespace Nnclr.Data.Augment;

/// <summary>
/// Makes NNCLR's two views of a HWC uint8 image straight into caller-provided CHW spans (normalised fp32 or
/// bf16). Randomness comes only from (seed, epoch, sampleKey), so views do not depend on threads or on
/// scheduling, and a resumed run sees the same views. Thread-safe with one <see cref="AugmentScratch"/> per
/// thread; allocates nothing per call. Works in planar fp32 [0, 1] (torchvision's float-tensor semantics, no
/// uint8 rounding between operations).
/// </summary>
public sealed class TwoViewAugmenter
{
    // Frozen copies of the policies (later changes to the caller's objects do not leak in).
    private readonly ViewPolicy _v1, _v2;
    // Blur kernel size of each view at OutSize.
    private readonly int _k1, _k2;
    // Normalisation as x·scale + bias per channel.
    private readonly float[] _scale, _bias;

    public int InHeight { get; }
    public int InWidth { get; }
    public int OutSize { get; }
    /// <summary>3·OutSize·OutSize: the length of one view.</summary>
    public int ViewElements { get; }

    public TwoViewAugmenter(TwoViewPolicy policy, int inHeight, int inWidth, int outSize, float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        if (inHeight <= 0 || inWidth <= 0 || outSize <= 0) throw new ArgumentOutOfRangeException(nameof(outSize), $"sizes must be positive: in {inHeight}x{inWidth}, out {outSize}");
        (_v1, _v2) = (policy.View1.Clone(), policy.View2.Clone());
        (_k1, _k2) = (_v1.KernelSizeFor(outSize), _v2.KernelSizeFor(outSize));
        if (Math.Max(_k1, _k2) / 2 >= outSize) throw new ArgumentException($"blur kernel {Math.Max(_k1, _k2)} is too large for {outSize}-px views");
        (_scale, _bias) = Normalization.Affine(mean, std);
        (InHeight, InWidth, OutSize) = (inHeight, inWidth, outSize);
        ViewElements = 3 * outSize * outSize;
    }

    internal ViewPolicy View1 => _v1;
    internal ViewPolicy View2 => _v2;
    internal int Kernel1 => _k1;
    internal int Kernel2 => _k2;
    internal float[] Scale => _scale;
    internal float[] Bias => _bias;

    public AugmentScratch CreateScratch() => new(this, InHeight, OutSize, Math.Max(_k1, _k2));

    public void Augment(ReadOnlySpan<byte> hwc, ulong seed, long epoch, long sampleKey, Span<float> view1, Span<float> view2, AugmentScratch scratch)
    {
        if (view1.Length < ViewElements || view2.Length < ViewElements) throw new ArgumentException($"each view needs {ViewElements} floats; got {view1.Length} and {view2.Length}");
        var rng = Begin(hwc, seed, epoch, sampleKey, scratch);
        Render(hwc, ViewParams.Draw(_v1, ref rng, InHeight, InWidth), _k1, _v1, scratch);
        OutputWriter.Fp32(scratch.Planar, OutSize * OutSize, _scale, _bias, view1);
        Render(hwc, ViewParams.Draw(_v2, ref rng, InHeight, InWidth), _k2, _v2, scratch);
        OutputWriter.Fp32(scratch.Planar, OutSize * OutSize, _scale, _bias, view2);
    }

    /// <summary>As the fp32 overload, writing bf16 bits (round to nearest even).</summary>
    public void Augment(ReadOnlySpan<byte> hwc, ulong seed, long epoch, long sampleKey, Span<ushort> view1Bf16, Span<ushort> view2Bf16, AugmentScratch scratch)
    {
        if (view1Bf16.Length < ViewElements || view2Bf16.Length < ViewElements) throw new ArgumentException($"each view needs {ViewElements} values; got {view1Bf16.Length} and {view2Bf16.Length}");
        var rng = Begin(hwc, seed, epoch, sampleKey, scratch);
        Render(hwc, ViewParams.Draw(_v1, ref rng, InHeight, InWidth), _k1, _v1, scratch);
        OutputWriter.Bf16(scratch.Planar, OutSize * OutSize, _scale, _bias, view1Bf16);
        Render(hwc, ViewParams.Draw(_v2, ref rng, InHeight, InWidth), _k2, _v2, scratch);
        OutputWriter.Bf16(scratch.Planar, OutSize * OutSize, _scale, _bias, view2Bf16);
    }

    /// <summary>The parameters both views of a sample get (for tests and diagnostics).</summary>
    internal (ViewParams View1, ViewParams View2) DrawParams(ulong seed, long epoch, long sampleKey)
    {
        var rng = new SampleRandom(seed, epoch, sampleKey, stream: 0xA0_6E_A7);
        var p1 = ViewParams.Draw(_v1, ref rng, InHeight, InWidth);
        return (p1, ViewParams.Draw(_v2, ref rng, InHeight, InWidth));
    }

    private SampleRandom Begin(ReadOnlySpan<byte> hwc, ulong seed, long epoch, long sampleKey, AugmentScratch scratch)
    {
        if (hwc.Length < InHeight * InWidth * 3) throw new ArgumentException($"image has {hwc.Length} bytes; a {InHeight}x{InWidth} RGB image needs {InHeight * InWidth * 3}");
        if (scratch.Owner != this) throw new ArgumentException("scratch was created by another augmenter", nameof(scratch));
        return new SampleRandom(seed, epoch, sampleKey, stream: 0xA0_6E_A7);
    }

    /// <summary>Builds one view with fixed parameters into scratch.Planar ([0, 1], planar RGB).</summary>
    internal void Render(ReadOnlySpan<byte> hwc, in ViewParams p, int kernelSize, ViewPolicy policy, AugmentScratch s) =>
        Render(hwc, InWidth, p, kernelSize, policy, s);

    /// <summary>
    /// As above for an image <paramref name="inWidth"/> pixels wide (at most InHeight×InWidth: the scratch is sized for
    /// that) of <paramref name="pixelBytes"/> bytes a pixel (3 RGB, or 4 RGBA straight from the decoder, alpha ignored).
    /// </summary>
    internal void Render(ReadOnlySpan<byte> hwc, int inWidth, in ViewParams p, int kernelSize, ViewPolicy policy, AugmentScratch s, int pixelBytes = 3)
    {
        int S = OutSize, n = S * S;
        Bilinear.BuildAxis(S, (double)p.CropW / S, 0, p.CropX, p.CropW, p.Flip, 1f / 255f, s.X0, s.X1, s.XW0, s.XW1);
        Bilinear.BuildAxis(S, (double)p.CropH / S, 0, p.CropY, p.CropH, false, 1f, s.Y0, s.Y1, s.YW0, s.YW1);
        var img = s.Planar.AsSpan();
        Bilinear.Resample(hwc, inWidth, S, S, s.X0, s.X1, s.XW0, s.XW1, s.Y0, s.Y1, s.YW0, s.YW1, s.Rows, img, pixelBytes);
        if (p.Jitter)
            for (int k = 0; k < 4; k++)
                switch (p.OrderAt(k))
                {
                    case 0 when p.Brightness != 1: ColorOps.Brightness(img, p.Brightness); break;
                    case 1 when p.Contrast != 1: ColorOps.Contrast(img, n, p.Contrast); break;
                    case 2 when p.Saturation != 1: ColorOps.Saturation(img, n, p.Saturation); break;
                    case 3 when p.Hue != 0: ColorOps.Hue(img, n, p.Hue); break;
                }
        if (p.Grey) ColorOps.Greyscale(img, n);
        if (p.Blur)
        {
            var kernel = s.Kernel.AsSpan(0, kernelSize);
            GaussianBlur.Kernel(kernel, p.Sigma);
            GaussianBlur.Apply(img, S, S, GaussianBlur.Significant(kernel), s.Tmp);
        }
        if (p.Solarize) ColorOps.Solarize(img, (float)(policy.SolarizeThreshold / 255.0));
    }
}
