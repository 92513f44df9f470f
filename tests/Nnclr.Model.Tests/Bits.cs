namespace Nnclr.Model.Tests;

/// <summary>Bit-level comparisons of tensors.</summary>
internal static class Bits
{
    /// <summary>Same dtype, shape and bytes.</summary>
    public static bool Equal(Tensor a, Tensor b) =>
        StateTensor.From("a", a).ContentEquals(StateTensor.From("b", b));
}
