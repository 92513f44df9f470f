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
        // Explicit Scalars held to the end of the step: an implicit double → Scalar temporary can be finalised by the GC
        // while libtorch still reads it (seen once as "toFloat: Expected false to be true" from add_ in a test process
        // whose other threads allocated heavily).
        using Scalar wd = _weightDecay, eta = _eta, eps = _eps, momentum = _momentum, one = 1.0, zero = 0.0, rate = lr, negRate = -lr;
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
                d = g.add(p, alpha: wd);
                var q = pn.mul(eta).div_(gn.add(pn, alpha: wd).add_(eps));
                if (_clipLr) q = lr > 0 ? q.div_(rate).clamp_max_(one) : torch.ones_like(q);
                var valid = pn.gt(zero).logical_and_(gn.gt(zero));
                q = torch.where(valid, q, torch.ones_like(q));
                d = d.mul_(q);
            }
            buf.mul_(momentum).add_(d);
            p.add_(buf, alpha: negRate);
        }
        GC.KeepAlive(wd); GC.KeepAlive(eta); GC.KeepAlive(eps); GC.KeepAlive(momentum); GC.KeepAlive(one); GC.KeepAlive(zero);
        GC.KeepAlive(rate); GC.KeepAlive(negRate);
        Updates++;
    }
}
