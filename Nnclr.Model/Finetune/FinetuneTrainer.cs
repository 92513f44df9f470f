using TorchSharp;
using static TorchSharp.torch;

namespace Nnclr.Model;

/// <summary>
/// Fine-tunes a backbone with a new linear head (<see cref="ClassifierNetwork"/>) by cross-entropy on labelled images:
/// <see cref="FinetuneRecipe"/>'s SGD with Nesterov momentum, no weight decay, cosine schedule without warm-up. One
/// thread; the only object that touches its network. Its state (network, momentum buffers, step, epochs) is a
/// <see cref="TrainerState"/>, so checkpoints and --resume work as in training; there is no random draw in a step.
/// </summary>
public sealed class FinetuneTrainer : IDisposable
{
    // Backbone + head; fp32 parameters on the device; in training mode between calls.
    private readonly ClassifierNetwork _net;
    // Nesterov SGD over every parameter.
    private readonly Sgd _optimizer;
    // Cosine decay from the scaled peak to 0 over the whole run.
    private readonly LrSchedule _schedule;
    // Images per step.
    private readonly int _batchSize;
    // Compute dtype of activations (bf16 with Model:Precision bf16); loss in fp32.
    private readonly ScalarType _computeType;
    // Inputs get NHWC strides when true (Model:ChannelsLast).
    private readonly bool _channelsLast;
    // Steps and epochs done; saved in the state.
    private long _step, _epochs;

    /// <summary>
    /// A network of <paramref name="model"/>'s architecture with a <paramref name="classes"/>-way head, initialised from
    /// <paramref name="seed"/> (the random-init baseline as it is; load a backbone with <see cref="LoadBackbone(TrainerState)"/>).
    /// </summary>
    public FinetuneTrainer(ModelOptions model, int classes, FinetuneRecipe recipe, long stepsPerEpoch, long seed, Device device)
    {
        if (stepsPerEpoch < 1) throw new ArgumentException($"steps per epoch must be positive, got {stepsPerEpoch}", nameof(stepsPerEpoch));
        _batchSize = recipe.BatchSize;
        _computeType = model.Precision == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;
        _channelsLast = model.ChannelsLast;
        _net = new ClassifierNetwork(model, classes, seed);
        _net.to(device);
        if (_channelsLast)
            foreach (var m in _net.modules())
                if (m is ConvLayer conv) conv.ToChannelsLast();
        _net.train();
        var parameters = StateDictOrder.Entries(_net).Where(e => e.IsParameter).Select(e => (e.Key, (Parameter)e.Tensor)).ToList();
        _optimizer = new Sgd(parameters, recipe.Momentum, weightDecay: 0, nesterov: true);
        _schedule = new LrSchedule(LrSchedule.ScaledPeak(recipe.BaseLearningRate, _batchSize), 0, recipe.Epochs * stepsPerEpoch);
        CurrentLr = _schedule.At(0);
    }

    /// <summary>Steps taken.</summary>
    public long StepCount => _step;

    /// <summary>The learning rate of the latest step (before the first: the one it will use).</summary>
    public double CurrentLr { get; private set; }

    /// <summary>The network (backbone.*, fc.*).</summary>
    public ClassifierNetwork Network => _net;

    /// <summary>Records that epoch <paramref name="epoch"/> (0-based) ended.</summary>
    public void EpochEnded(long epoch) => _epochs = epoch + 1;

    /// <summary>Loads the "model.backbone.*" tensors of a pre-training checkpoint's state; throws naming the first missing or mismatched one.</summary>
    public void LoadBackbone(TrainerState state)
    {
        var entries = StateDictOrder.Entries(_net.Backbone);
        foreach (var (key, target, _) in entries)
        {
            var name = "model.backbone." + key;
            if (!state.TryGet(name, out var src))
                throw new ArgumentException($"state lacks '{name}' (a different backbone?)", nameof(state));
            if (src.DType != target.dtype || !src.Shape.AsSpan().SequenceEqual(target.shape))
                throw new ArgumentException($"state tensor '{name}' is {src.DType} [{string.Join(", ", src.Shape)}], this backbone has {target.dtype} [{string.Join(", ", target.shape)}]", nameof(state));
        }
        using var noGrad = torch.no_grad();
        foreach (var (key, target, _) in entries)
        {
            using var host = state["model.backbone." + key].ToTensor();
            target.copy_(host);
        }
    }

    /// <summary>Loads a weights file's backbone (torchvision names), strictly (<see cref="BackboneWeights"/>).</summary>
    public void LoadBackbone(WeightsFile weights) => BackboneWeights.CopyInto(_net.Backbone, weights);

    /// <summary>
    /// One step on the first N rows of <paramref name="views"/> ([≥N, 3, S, S]; the pipeline's view 1) with
    /// <paramref name="labels"/> [N] int64: (mean cross-entropy, correct top-1 predictions), 0-dim device tensors in
    /// the caller's dispose scope. No host synchronisation.
    /// </summary>
    public StepOutput Step(Tensor views, Tensor labels)
    {
        if (views.dim() != 4 || views.shape[0] < _batchSize)
            throw new ArgumentException($"views must be [≥{_batchSize}, 3, S, S], got [{string.Join(", ", views.shape)}]", nameof(views));
        if (labels.dim() != 1 || labels.shape[0] != _batchSize)
            throw new ArgumentException($"labels must be [{_batchSize}], got [{string.Join(", ", labels.shape)}]", nameof(labels));
        using var scope = torch.NewDisposeScope();
        _net.zero_grad();
        var logits = _net.call(Prepare(views.narrow(0, 0, _batchSize))).to(ScalarType.Float32);
        var loss = nn.functional.cross_entropy(logits, labels);
        loss.backward();
        CurrentLr = _schedule.At(_step);
        _optimizer.Step(CurrentLr);
        _step++;
        var correct = logits.detach().argmax(1).eq(labels).sum();
        return new StepOutput(loss.detach().MoveToOuterDisposeScope(), correct.MoveToOuterDisposeScope());
    }

    /// <summary>Class scores [N, classes] fp32 of <paramref name="images"/> in eval mode without gradient; the caller owns the result.</summary>
    public Tensor Logits(Tensor images)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        _net.eval();
        try { return _net.call(Prepare(images)).to(ScalarType.Float32).MoveToOuterDisposeScope(); }
        finally { _net.train(); }
    }

    // Casts to the compute dtype and, with ChannelsLast, gives NHWC strides.
    private Tensor Prepare(Tensor images)
    {
        var x = images.dtype == _computeType ? images : images.to(_computeType);
        if (_channelsLast && x.shape[1] > 1 && x.stride(1) != 1)
            x = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        return x;
    }

    // (name, tensor) of everything restored in place, in state order.
    private IEnumerable<(string Name, Tensor Tensor)> Targets() =>
        StateDictOrder.Entries(_net).Select(e => ("model." + e.Key, e.Tensor)).Concat(_optimizer.State.Select(s => ("optim." + s.Name, s.Tensor)));

    /// <summary>A deep host copy of the state (a device→host sync); <paramref name="reuse"/>: an earlier snapshot whose arrays are overwritten.</summary>
    public TrainerState Snapshot(TrainerState? reuse = null)
    {
        if (reuse is not null && TryFill(reuse)) return reuse;
        var list = Targets().Select(t => StateTensor.From(t.Name, t.Tensor)).ToList();
        list.Add(StateTensor.Scalar("optim.updates", _optimizer.Updates));
        list.Add(StateTensor.Scalar("trainer.step", _step));
        list.Add(StateTensor.Scalar("trainer.epochs", _epochs));
        return new TrainerState(list);
    }

    private bool TryFill(TrainerState into)
    {
        var t = into.Tensors;
        int i = 0;
        foreach (var (name, tensor) in Targets())
            if (i >= t.Count || !t[i++].TryCopyFrom(name, tensor)) return false;
        foreach (var (name, value) in new[] { ("optim.updates", _optimizer.Updates), ("trainer.step", _step), ("trainer.epochs", _epochs) })
            if (i >= t.Count || !t[i++].TryCopyFrom(name, value)) return false;
        return i == t.Count;
    }

    /// <summary>Loads a snapshot of a fine-tune with the same network; checks every tensor before copying any, throws naming the first mismatch.</summary>
    public void Restore(TrainerState state)
    {
        var targets = Targets().ToList();
        string[] scalars = ["optim.updates", "trainer.step", "trainer.epochs"];
        var expected = targets.Select(t => t.Name).Concat(scalars).ToHashSet(StringComparer.Ordinal);
        if (state.Tensors.FirstOrDefault(t => !expected.Contains(t.Name)) is { } extra)
            throw new ArgumentException($"state holds '{extra.Name}', which this fine-tune does not have (a pre-training checkpoint, or a different network?)", nameof(state));
        foreach (var (name, target) in targets)
        {
            if (!state.TryGet(name, out var src))
                throw new ArgumentException($"state lacks '{name}' (a different network?)", nameof(state));
            if (src.DType != target.dtype || !src.Shape.AsSpan().SequenceEqual(target.shape))
                throw new ArgumentException($"state tensor '{name}' is {src.DType} [{string.Join(", ", src.Shape)}], this fine-tune has {target.dtype} [{string.Join(", ", target.shape)}]", nameof(state));
        }
        foreach (var name in scalars)
            if (!state.TryGet(name, out var s) || s.DType != ScalarType.Int64 || s.Shape.Length != 0 || s.AsInt64() < 0)
                throw new ArgumentException($"state tensor '{name}' is missing, not an int64 scalar or negative", nameof(state));
        using (torch.no_grad())
            foreach (var (name, target) in targets)
            {
                using var host = state[name].ToTensor();
                target.copy_(host);
            }
        _optimizer.Updates = state["optim.updates"].AsInt64();
        _step = state["trainer.step"].AsInt64();
        _epochs = state["trainer.epochs"].AsInt64();
        CurrentLr = _schedule.At(Math.Max(0, _step - 1));
    }

    /// <summary>
    /// Writes the network as safetensors with torchvision's names: the backbone's keys without "backbone.", the head as
    /// fc.weight / fc.bias, so torchvision's ResNet (fc resized to the classes) loads it with strict=True.
    /// </summary>
    public static void Export(TrainerState state, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = state.Tensors
            .Where(t => t.Name.StartsWith("model.backbone.", StringComparison.Ordinal) || t.Name.StartsWith("model.fc.", StringComparison.Ordinal))
            .Select(t => new StateTensor(t.Name.StartsWith("model.backbone.", StringComparison.Ordinal) ? t.Name["model.backbone.".Length..] : t.Name["model.".Length..],
                t.DType, t.Shape, t.Data))
            .ToList();
        if (!entries.Any(e => e.Name == "fc.weight")) throw new ArgumentException("the state holds no fine-tuned head (model.fc.*) to export", nameof(state));
        SafetensorsExporter.Write(entries, path, metadata);
    }

    public void Dispose()
    {
        foreach (var (_, t) in _optimizer.State) t.Dispose();
        _net.Dispose();
    }
}
