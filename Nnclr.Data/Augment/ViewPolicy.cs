namespace Nnclr.Data.Augment;

/// <summary>
/// The random transformations of one view, in torchvision's order: RandomResizedCrop, horizontal flip,
/// ColorJitter (with probability JitterP, its four operations in random order), greyscale, Gaussian blur,
/// solarize. Defaults are BYOL's first view. Every parameter is settable; <see cref="Validate"/> names a bad one.
/// </summary>
public sealed class ViewPolicy
{
    /// <summary>Crop area as a fraction of the image, drawn uniformly in [min, max].</summary>
    public double CropAreaMin { get; set; } = 0.08;
    public double CropAreaMax { get; set; } = 1.0;
    /// <summary>Crop aspect ratio (w/h), log-uniform in [min, max].</summary>
    public double AspectMin { get; set; } = 3.0 / 4.0;
    public double AspectMax { get; set; } = 4.0 / 3.0;
    public double FlipP { get; set; } = 0.5;
    /// <summary>Probability of applying colour jitter at all.</summary>
    public double JitterP { get; set; } = 0.8;
    /// <summary>Brightness, contrast, saturation factors uniform in [max(0, 1 − x), 1 + x]; 0 disables the operation.</summary>
    public double Brightness { get; set; } = 0.4;
    public double Contrast { get; set; } = 0.4;
    public double Saturation { get; set; } = 0.2;
    /// <summary>Hue shift uniform in [−x, x] of a full turn, x ≤ 0.5; 0 disables it.</summary>
    public double Hue { get; set; } = 0.1;
    public double GreyscaleP { get; set; } = 0.2;
    public double BlurP { get; set; } = 1.0;
    public double BlurSigmaMin { get; set; } = 0.1;
    public double BlurSigmaMax { get; set; } = 2.0;
    /// <summary>Odd blur kernel size; 0 = ⌊10% of the output size⌋ made odd, at least 3: 3 at 32 px, 7 at 64, 9 at 96, 23 at 224 (BYOL).</summary>
    public int BlurKernelSize { get; set; }
    public double SolarizeP { get; set; }
    /// <summary>Solarize threshold on the 0..255 scale: values ≥ it are inverted.</summary>
    public double SolarizeThreshold { get; set; } = 128;

    public ViewPolicy Clone() => (ViewPolicy)MemberwiseClone();

    /// <summary>The kernel size used for an output of <paramref name="outSize"/> pixels.</summary>
    public int KernelSizeFor(int outSize)
    {
        if (BlurKernelSize > 0) return BlurKernelSize;
        return Math.Max(3, (int)(outSize * 0.1) | 1);
    }

    /// <summary>Throws ArgumentException naming <paramref name="name"/>'s first bad setting.</summary>
    public void Validate(string name = "view")
    {
        void P(double v, string what) { if (!(v >= 0 && v <= 1)) throw new ArgumentException($"{name}.{what} = {v}: a probability must be in [0, 1]"); }
        if (!(CropAreaMin > 0 && CropAreaMin <= CropAreaMax && CropAreaMax <= 1)) throw new ArgumentException($"{name}.CropArea = [{CropAreaMin}, {CropAreaMax}]: need 0 < min ≤ max ≤ 1");
        if (!(AspectMin > 0 && AspectMin <= AspectMax)) throw new ArgumentException($"{name}.Aspect = [{AspectMin}, {AspectMax}]: need 0 < min ≤ max");
        P(FlipP, nameof(FlipP)); P(JitterP, nameof(JitterP)); P(GreyscaleP, nameof(GreyscaleP)); P(BlurP, nameof(BlurP)); P(SolarizeP, nameof(SolarizeP));
        if (!(Brightness >= 0) || !(Contrast >= 0) || !(Saturation >= 0)) throw new ArgumentException($"{name}: brightness/contrast/saturation must be ≥ 0 (got {Brightness}/{Contrast}/{Saturation})");
        if (!(Hue >= 0 && Hue <= 0.5)) throw new ArgumentException($"{name}.Hue = {Hue}: must be in [0, 0.5]");
        if (!(BlurSigmaMin > 0 && BlurSigmaMin <= BlurSigmaMax)) throw new ArgumentException($"{name}.BlurSigma = [{BlurSigmaMin}, {BlurSigmaMax}]: need 0 < min ≤ max");
        if (BlurKernelSize < 0 || (BlurKernelSize > 0 && BlurKernelSize % 2 == 0)) throw new ArgumentException($"{name}.BlurKernelSize = {BlurKernelSize}: must be 0 (auto) or odd");
        if (!(SolarizeThreshold >= 0 && SolarizeThreshold <= 256)) throw new ArgumentException($"{name}.SolarizeThreshold = {SolarizeThreshold}: must be in [0, 256]");
    }
}
