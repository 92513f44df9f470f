using TorchSharp;
using static TorchSharp.torch;

namespace Nnclr.Model;

/// <summary>
/// solo-learn's online linear classifier: a linear head on the detached backbone features of view 1, trained by its
/// own SGD (momentum 0.9, no weight decay, lr 0.1 with the run's cosine shape) inside the training step. Its gradients
/// never reach the backbone and it draws no random numbers after construction (its init has a stream of its own,
/// seed + 5), so the self-supervised maths is the same with or without it. Its state ("probe.*") is part of the trainer's.
/// </summary>
public sealed class OnlineLinearProbe : IDisposable
{
    // Peak learning rate (solo-learn's classifier_lr for CIFAR).
    private const double PeakLr = 0.1;
    // features [N, D] fp32 → class scores.
    private readonly LinearLayer _head;
    private readonly Sgd _optimizer;
    private readonly LrSchedule _schedule;
    private readonly List<(string Key, Tensor Tensor)> _state;
    private long _step;

    /// <summary>A <paramref name="classes"/>-way head on <paramref name="featureDim"/> features, for a run of <paramref name="totalSteps"/> steps.</summary>
    public OnlineLinearProbe(long featureDim, int classes, long totalSteps, long seed, Device device)
    {
        if (classes < 2) throw new ArgumentException($"the online linear probe needs at least 2 classes, got {classes}", nameof(classes));
        _head = new LinearLayer(featureDim, classes);
        using (var g = new Generator(unchecked((ulong)seed + 5))) _head.InitDefault(g);
        _head.to(device);
        var parameters = StateDictOrder.Entries(_head).Where(e => e.IsParameter).Select(e => (e.Key, (Parameter)e.Tensor)).ToList();
        _optimizer = new Sgd(parameters, momentum: 0.9, weightDecay: 0);
        _schedule = new LrSchedule(PeakLr, 0, Math.Max(1, totalSteps));
        _state = StateDictOrder.Entries(_head).Select(e => ("probe." + e.Key, e.Tensor))
            .Concat(_optimizer.State.Select(s => ("probe.optim." + s.Name, s.Tensor))).ToList();
    }

    /// <summary>Every tensor of its state, named "probe.*", restored in place; plus its step count (<see cref="Steps"/>).</summary>
    public IReadOnlyList<(string Key, Tensor Tensor)> State => _state;

    /// <summary>Probe updates taken (saved as "probe.step").</summary>
    public long Steps { get => _step; set { _step = value; _optimizer.Updates = value; } }

    /// <summary>One update on <paramref name="features"/> [N, D] (detached here) and <paramref name="labels"/> [N]; returns the batch's correct top-1 count (0-dim, no sync).</summary>
    public Tensor Step(Tensor features, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        using var enableGrad = torch.enable_grad();
        _head.zero_grad();
        var logits = _head.call(features.detach().to(ScalarType.Float32));
        var loss = nn.functional.cross_entropy(logits, labels);
        loss.backward();
        _optimizer.Step(_schedule.At(_step++));
        return logits.detach().argmax(1).eq(labels).sum().MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var (_, t) in _optimizer.State) t.Dispose();
        _head.Dispose();
    }
}
