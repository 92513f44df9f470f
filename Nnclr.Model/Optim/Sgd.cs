namespace Nnclr.Model;

/// <summary>
/// SGD with momentum (PyTorch's form, no dampening): d = g + wd·w (ndim &gt; 1 only); buf ← m·buf + d; w ← w − lr·buf,
/// or with Nesterov momentum w ← w − lr·(d + m·buf).
/// </summary>
public sealed class Sgd : IParamOptimizer
{
    // Parameters in state-dict order, with their momentum buffers (zero at start).
    private readonly (string Name, Parameter Param, Tensor Buffer)[] _slots;
    // Named momentum buffers for snapshots.
    private readonly (string Name, Tensor Tensor)[] _state;
    // Momentum m in [0, 1).
    private readonly double _momentum;
    // Weight decay for ndim > 1 parameters.
    private readonly double _weightDecay;
    // Nesterov momentum (SimCLR's fine-tuning recipe).
    private readonly bool _nesterov;

    public Sgd(IEnumerable<(string Name, Parameter Param)> parameters, double momentum, double weightDecay, bool nesterov = false)
    {
        using (torch.no_grad())
            _slots = parameters.Select(p => (p.Name, p.Param, torch.zeros_like(p.Param).DetachFromDisposeScope())).ToArray();
        _state = _slots.Select(s => ("momentum." + s.Name, s.Buffer)).ToArray();
        _momentum = momentum; _weightDecay = weightDecay; _nesterov = nesterov;
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
            var d = p.dim() > 1 && _weightDecay != 0 ? g.add(p, alpha: _weightDecay) : g;
            buf.mul_(_momentum).add_(d);
            if (_nesterov) p.add_(d.add(buf, alpha: _momentum), alpha: -lr);
            else p.add_(buf, alpha: -lr);
        }
        Updates++;
    }
}
