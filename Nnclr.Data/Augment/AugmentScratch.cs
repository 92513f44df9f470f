namespace Nnclr.Data.Augment;

/// <summary>Per-worker buffers of a <see cref="TwoViewAugmenter"/>, sized once; one per thread.</summary>
public sealed class AugmentScratch
{
    // Axis tables of the current view (OutSize entries each).
    internal readonly int[] X0, X1, Y0, Y1;
    internal readonly float[] XW0, XW1, YW0, YW1;
    // Horizontally resampled source rows: up to InHeight rows of 3·OutSize floats.
    internal readonly float[] Rows;
    // The view being built: 3 planes of OutSize² floats in [0, 1].
    internal readonly float[] Planar;
    // Blur intermediate, same shape as Planar.
    internal readonly float[] Tmp;
    // Blur kernel of the current view; length ≥ the largest kernel of the policy.
    internal readonly float[] Kernel;
    // The augmenter these were sized for.
    internal readonly TwoViewAugmenter Owner;

    internal AugmentScratch(TwoViewAugmenter owner, int inHeight, int outSize, int maxKernel)
    {
        Owner = owner;
        (X0, X1, Y0, Y1) = (new int[outSize], new int[outSize], new int[outSize], new int[outSize]);
        (XW0, XW1, YW0, YW1) = (new float[outSize], new float[outSize], new float[outSize], new float[outSize]);
        Rows = new float[inHeight * 3 * outSize];
        Planar = new float[3 * outSize * outSize];
        Tmp = new float[3 * outSize * outSize];
        Kernel = new float[maxKernel];
    }
}
