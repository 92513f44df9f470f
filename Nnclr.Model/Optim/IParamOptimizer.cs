namespace Nnclr.Model;

/// <summary>
/// An optimiser over fp32 master parameters whose whole state is named tensors (so a snapshot is bit-exact).
/// Parameters with one dimension (biases, BN γ/β) get neither weight decay nor LARS adaptation.
/// </summary>
public interface IParamOptimizer
{
    /// <summary>One update with learning rate <paramref name="lr"/> from the parameters' current gradients (no host sync).</summary>
    void Step(double lr);

    /// <summary>Every state tensor, named "&lt;kind&gt;.&lt;parameter key&gt;"; restored in place with copy_.</summary>
    IReadOnlyList<(string Name, Tensor Tensor)> State { get; }

    /// <summary>Updates taken (AdamW's bias correction uses it); restored from a snapshot.</summary>
    long Updates { get; set; }
}
