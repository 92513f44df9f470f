namespace Nnclr.Model;

/// <summary>
/// LARS as in solo-learn (exclude_bias_n_norm, clip_lr) and ../shared/tools/gpuprobe/ref_train.py. For a weight w
/// (ndim &gt; 1) with gradient g: d = g + wd·w; q = η‖w‖ / (‖g‖ + wd‖w‖ + ε), clipped to min(q / lr, 1) when clipLr,
/// and q = 1 when ‖w‖ or ‖g‖ is 0; d ← q·d. For a 1-D parameter d = g. Then buf ← m·buf + d, w ← w − lr·buf.
/// </summary>
public sealed class Lars : IParamOptimizer
{
    // Parameters in state-dict order, with their momentum buffers (same shape and strides, zero at start).
    private readonly (string Name, Parameter Param, Tensor Buffer)[] _slots;
    // Named momentum buffers for snapshots.
    private readonly (string Name, Tensor Tensor)[] _state;
    // Momentum m in [0, 1).
    private readonly double _momentum;
    // Weight decay for ndim > 1 parameters.
    private readonly double _weightDecay;
    // Trust coefficient η.
    private readonly double _eta;
    // Divide q by lr and clip at 1 (solo-learn clip_lr).
    private readonly bool _clipLr;
    // Added to the denominator of q.
    private readonly double _eps;

    public Lars(IEnumerable<(string Name, Parameter Param)> parameters, double momentum, double weightDecay, double eta, bool clipLr, double eps = 1e-8)
    {
        using (torch.no_grad())
            _slots = parameters.Select(p => (p.Name, p.Param, torch.zeros_like(p.Param).DetachFromDisposeScope())).ToArray();
        _state = _slots.Select(s => ("momentum." + s.Name, s.Buffer)).ToArray();
        _momentum = momentum; _weightDecay = weightDecay; _eta = eta; _clipLr = clipLr; _eps = eps;
    }

    public IReadOnlyList<(string Name, Tensor Tensor)> State => _state;
    public long Updates { get; set; }

    public void Step(double lr)
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, p, buf) in _slots)
        {
            using var scope = torch.NewDisposeScope();
            var g = p.grad;
            if (g is null) continue;
            var d = g;
            if (p.dim() > 1)
            {
                var pn = p.norm();
                var gn = g.norm();
                d = g.add(p, alpha: _weightDecay);
                var q = pn.mul(_eta).div_(gn.add(pn, alpha: _weightDecay).add_(_eps));
                if (_clipLr) q = lr > 0 ? q.div_(lr).clamp_max_(1.0) : torch.ones_like(q);
                var valid = pn.gt(0).logical_and_(gn.gt(0));
                q = torch.where(valid, q, torch.ones_like(q));
                d = d.mul_(q);
            }
            buf.mul_(_momentum).add_(d);
            p.add_(buf, alpha: -lr);
        }
        Updates++;
    }
}
