using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nnclr.Model;

/// <summary>
/// A trained (or loaded) backbone, optionally followed by the NNCLR projector, in eval mode and fp32 on one device:
/// images in, L2-normalised embeddings out. What `nnclr embed` and `nnclr neighbors --query` run.
/// </summary>
public sealed class Encoder : IDisposable
{
    // The backbone, eval mode, fp32, on Device.
    private readonly Module<Tensor, Tensor> _backbone;
    // The projector after the backbone (eval mode: BN uses running statistics), or null for backbone features.
    private readonly Sequential? _projector;

    /// <summary>
    /// Builds <paramref name="model"/>'s backbone (and projector when <paramref name="projector"/>) and loads them from
    /// <paramref name="weights"/>, strictly (<see cref="BackboneWeights"/>); throws <see cref="WeightsFormatException"/> on a mismatch.
    /// </summary>
    /// <summary>As below on the device named <paramref name="device"/> ("cpu", "cuda", "cuda:N").</summary>
    public Encoder(ModelOptions model, WeightsFile weights, bool projector, string device) : this(model, weights, projector, torch.device(device)) { }

    public Encoder(ModelOptions model, WeightsFile weights, bool projector, Device device)
    {
        _backbone = NetworkFactory.CreateBackbone(model, seed: 0);
        try
        {
            BackboneWeights.CopyInto(_backbone, weights);
            if (projector)
            {
                if (!weights.TryGet("projector.0.weight", out _))
                    throw new WeightsFormatException(weights.Path, "--projector: the file holds no projector.* tensors (export with --include-heads, or use a checkpoint)");
                _projector = Heads.Projector(((IBackbone)_backbone).FeatureDim, model.ProjectorHidden, model.ProjectorOut);
                BackboneWeights.CopyInto(_projector, weights, "projector.");
                _projector.to(device).eval();
            }
        }
        catch
        {
            _backbone.Dispose();
            _projector?.Dispose();
            throw;
        }
        _backbone.to(device).eval();
        Device = device;
        Dim = projector ? model.ProjectorOut : ((IBackbone)_backbone).FeatureDim;
    }

    /// <summary>Where the network runs.</summary>
    public Device Device { get; }

    /// <summary>Embedding size: the backbone's feature size, or Model:ProjectorOut with the projector.</summary>
    public long Dim { get; }

    /// <summary>L2-normalised embeddings [N, Dim] fp32 on <see cref="Device"/> of <paramref name="images"/> [N, 3, S, S]; the caller owns the result.</summary>
    public Tensor Embed(Tensor images)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var x = _backbone.call(images.to(ScalarType.Float32));
        if (_projector is not null) x = _projector.call(x);
        return nn.functional.normalize(x, p: 2, dim: 1).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _backbone.Dispose();
        _projector?.Dispose();
    }
}
