using TorchSharp;
using static TorchSharp.torch;

namespace Nnclr.Model;

/// <summary>
/// Autocast by hand: a layer casts its fp32 master weight to the input's dtype inside the graph, so
/// bf16 inputs run in bf16 while the gradient flows back, through the cast, to the fp32 parameter.
/// </summary>
internal static class DTypeCast
{
    /// <summary><paramref name="weight"/> itself when the dtypes agree, else a differentiable cast (owned by the current scope).</summary>
    public static Tensor Like(Tensor weight, Tensor input) =>
        weight.dtype == input.dtype ? weight : weight.to(input.dtype);
}
