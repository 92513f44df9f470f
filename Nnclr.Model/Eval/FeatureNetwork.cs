using TorchSharp;
using static TorchSharp.torch;

namespace Nnclr.Model;

/// <summary>
/// The backbone alone, in eval mode and without gradients: what kNN and the linear probe need. No heads, no
/// optimiser state, no support set. Built at random initialisation from the same seed as the trainer's
/// network (so a fresh one is the "random init" baseline), then loaded from a checkpoint's state or copied
/// from a live trainer.
/// </summary>
public sealed class FeatureNetwork : IDisposable
{
    // The backbone, on _device, in eval mode for its whole life.
    private readonly Module<Tensor, Tensor> _backbone;
    // (key without "model.backbone.", tensor) in state-dict order; the backbone's own tensors.
    private readonly List<(string Key, Tensor Tensor)> _entries;
    // Compute dtype of activations: Float32 or BFloat16 (as the trainer's Precision).
    private readonly ScalarType _computeType;
    // Inputs get NHWC strides when true (as the trainer's ChannelsLast).
    private readonly bool _channelsLast;

    /// <summary>A randomly initialised backbone for <paramref name="model"/> and <paramref name="seed"/> on <paramref name="device"/>.</summary>
    public FeatureNetwork(ModelOptions model, long seed, Device device)
    {
        bool channelsLast = model.ChannelsLast;
        _backbone = NetworkFactory.CreateBackbone(model, seed);
        _backbone.to(device);
        _channelsLast = channelsLast;
        if (channelsLast)
            foreach (var m in _backbone.modules())
                if (m is ConvLayer conv) conv.ToChannelsLast();
        _backbone.eval();
        _computeType = model.Precision == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;
        _entries = StateDictOrder.Entries(_backbone).Select(e => (e.Key, e.Tensor)).ToList();
        Device = device;
    }

    /// <summary>Where the backbone lives.</summary>
    public Device Device { get; }

    /// <summary>Loads the backbone tensors of a weights file (torchvision names), strictly; see <see cref="BackboneWeights"/>.</summary>
    public void Load(WeightsFile weights) => BackboneWeights.CopyInto(_backbone, weights);

    /// <summary>Loads the "model.backbone.*" tensors of a trainer state; throws naming the first missing or mismatched one.</summary>
    public void Load(TrainerState state)
    {
        foreach (var (key, target) in _entries)
        {
            var name = "model.backbone." + key;
            if (!state.TryGet(name, out var src))
                throw new ArgumentException($"state lacks '{name}' (a different backbone?)", nameof(state));
            if (src.DType != target.dtype || !src.Shape.AsSpan().SequenceEqual(target.shape))
                throw new ArgumentException($"state tensor '{name}' is {src.DType} [{string.Join(", ", src.Shape)}], this backbone has {target.dtype} [{string.Join(", ", target.shape)}]", nameof(state));
        }
        using var noGrad = torch.no_grad();
        foreach (var (key, target) in _entries)
        {
            using var host = state["model.backbone." + key].ToTensor();
            target.copy_(host);
        }
    }

    /// <summary>
    /// Copies the weights and BN statistics of <paramref name="backbone"/> (same architecture) into this network.
    /// Call on the thread that owns <paramref name="backbone"/>, while this network is not evaluating.
    /// </summary>
    public void CopyFrom(Module<Tensor, Tensor> backbone)
    {
        var source = StateDictOrder.Entries(backbone);
        if (source.Count != _entries.Count) throw new ArgumentException($"backbone has {source.Count} tensors, this network {_entries.Count}", nameof(backbone));
        using var noGrad = torch.no_grad();
        for (int i = 0; i < source.Count; i++) _entries[i].Tensor.copy_(source[i].Tensor);
    }

    /// <summary>Pooled features [N, D] fp32 of <paramref name="images"/> [N, 3, S, S] on <see cref="Device"/>; the caller owns the result.</summary>
    public Tensor Features(Tensor images)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var x = images.dtype == _computeType ? images : images.to(_computeType);
        if (_channelsLast && x.shape[1] > 1 && x.stride(1) != 1)
            x = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        return _backbone.call(x).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public void Dispose() => _backbone.Dispose();
}
