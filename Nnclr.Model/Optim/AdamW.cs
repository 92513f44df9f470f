namespace Nnclr.Model;

/// <summary>
/// AdamW (PyTorch's form, β = (0.9, 0.999), ε = 1e-8): decoupled decay w ← w·(1 − lr·wd) for ndim &gt; 1 only, then
/// m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², w ← w − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
/// </summary>
public sealed class AdamW : IParamOptimizer
{
    // Parameters in state-dict order, with first and second moments (zero at start).
    private readonly (string Name, Parameter Param, Tensor M, Tensor V)[] _slots;
    // Named moments for snapshots.
    private readonly (string Name, Tensor Tensor)[] _state;
    // Decoupled weight decay for ndim > 1 parameters.
    private readonly double _weightDecay;
    private const double Beta1 = 0.9, Beta2 = 0.999, Eps = 1e-8;

    public AdamW(IEnumerable<(string Name, Parameter Param)> parameters, double weightDecay)
    {
        using (torch.no_grad())
            _slots = parameters.Select(p => (p.Name, p.Param,
                torch.zeros_like(p.Param).DetachFromDisposeScope(), torch.zeros_like(p.Param).DetachFromDisposeScope())).ToArray();
        _state = _slots.SelectMany(s => new[] { ("exp_avg." + s.Name, s.M), ("exp_avg_sq." + s.Name, s.V) }).ToArray();
        _weightDecay = weightDecay;
    }

    public IReadOnlyList<(string Name, Tensor Tensor)> State => _state;
    public long Updates { get; set; }

    public void Step(double lr)
    {
        long t = Updates + 1;
        double bc1 = 1 - Math.Pow(Beta1, t), bc2 = 1 - Math.Pow(Beta2, t);
        using var noGrad = torch.no_grad();
        foreach (var (_, p, m, v) in _slots)
        {
            using var scope = torch.NewDisposeScope();
            var g = p.grad;
            if (g is null) continue;
            if (p.dim() > 1 && _weightDecay != 0) p.mul_(1 - lr * _weightDecay);
            m.mul_(Beta1).add_(g, alpha: 1 - Beta1);
            v.mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
            var denom = v.sqrt().div_(Math.Sqrt(bc2)).add_(Eps);
            p.addcdiv_(m, denom, value: -lr / bc1);
        }
        Updates = t;
    }
}
