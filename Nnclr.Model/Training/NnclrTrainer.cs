namespace Nnclr.Model;

/// <summary>
/// Owns the network, optimiser, support set and generator, and runs NNCLR training steps. Single thread: the only
/// object that touches the model. Precision "bf16": parameters stay fp32 (the optimiser's masters); each layer casts
/// its weights to bf16 inside the graph, BN and the loss run in fp32, gradients arrive in fp32 (autocast by hand).
/// </summary>
public sealed class NnclrTrainer : IDisposable
{
    // The model; fp32 parameters on _device, NHWC conv weights when ChannelsLast; in training mode between calls.
    private readonly NnclrNetwork _net;
    // Updates _net's parameters; its state is part of every snapshot.
    private readonly IParamOptimizer _optimizer;
    // Q: [SupportSetSize, ProjectorOut] unit rows on _device.
    private readonly SupportSet _support;
    // CPU generator for every random draw after construction (top-k picks); saved in snapshots.
    private readonly Generator _generator;
    // Learning rate of each update.
    private readonly LrSchedule _schedule;
    // Loss variant parsed from options.
    private readonly LossVariant _loss;
    // Nearest neighbour drawn among the top k rows (Nnclr:TopK), ≥ 1.
    private readonly int _topK;
    // Softmax temperature τ (Nnclr:Temperature), > 0.
    private readonly double _temperature;
    // Inputs get NHWC strides when true (Model:ChannelsLast).
    private readonly bool _channelsLast;
    // Images per view per step (N); views have 2N rows.
    private readonly int _batchSize;
    // Compute dtype of activations: Float32 or BFloat16.
    private readonly ScalarType _computeType;
    // Optimiser steps taken.
    private long _step;
    // Epochs completed; saved with the state ("trainer.epochs"), so a resumed run keeps counting.
    private long _epochs;
    // The online linear classifier on view 1's detached features (labelled data); null when off.
    private OnlineLinearProbe? _probe;

    /// <summary>
    /// Builds everything from <paramref name="seed"/> and the three configuration sections; the schedule warms up for
    /// Optim:WarmupEpochs and decays to 0 at Optim:Epochs, <paramref name="stepsPerEpoch"/> steps each. Throws
    /// <see cref="ArgumentException"/> naming the first bad setting (<see cref="OptionsRules"/>).
    /// </summary>
    public NnclrTrainer(ModelOptions model, NnclrOptions nnclr, OptimOptions optim, long stepsPerEpoch, long seed, Device device)
    {
        OptionsRules.Require(model, nnclr, optim);
        if (stepsPerEpoch < 1) throw new ArgumentException($"steps per epoch must be positive, got {stepsPerEpoch}", nameof(stepsPerEpoch));
        int batchSize = optim.BatchSize;
        _batchSize = batchSize;
        _loss = LossVariants.Parse(nnclr.Loss);
        _topK = nnclr.TopK;
        _temperature = nnclr.Temperature;
        _channelsLast = model.ChannelsLast;
        _computeType = model.Precision == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;
        _net = NetworkFactory.CreateNetwork(model, seed);
        _net.to(device);
        if (model.ChannelsLast) _net.ToChannelsLast();
        _net.train();
        var parameters = StateDictOrder.Entries(_net).Where(e => e.IsParameter).Select(e => (e.Key, (Parameter)e.Tensor)).ToList();
        _optimizer = optim.Optimizer switch
        {
            "lars" => new Lars(parameters, optim.Momentum, optim.WeightDecay, optim.LarsEta, clipLr: true),
            "sgd" => new Sgd(parameters, optim.Momentum, optim.WeightDecay),
            _ => new AdamW(parameters, optim.WeightDecay),
        };
        _schedule = new LrSchedule(LrSchedule.ScaledPeak(optim.LearningRate, batchSize), optim.WarmupEpochs * stepsPerEpoch, optim.Epochs * stepsPerEpoch);
        _generator = new Generator(unchecked((ulong)seed + 3));
        _support = new SupportSet(nnclr.SupportSetSize, model.ProjectorOut, batchSize, _generator, device);
        CurrentLr = _schedule.At(0);
    }

    /// <summary>Optimiser steps taken so far.</summary>
    public long StepCount => _step;

    /// <summary>Epochs completed so far (advanced by <see cref="EpochEnded"/>; part of the state a checkpoint saves).</summary>
    public long EpochsDone => _epochs;

    /// <summary>Records that epoch <paramref name="epoch"/> (0-based) has ended: <see cref="EpochsDone"/> becomes epoch + 1.</summary>
    public void EpochEnded(long epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        _epochs = epoch + 1;
    }

    /// <summary>
    /// Trains <paramref name="probe"/> in every step from now on (solo-learn's online linear accuracy); the trainer owns
    /// it. Attach before restoring a state: the state then holds "probe.*" too.
    /// </summary>
    public void AttachProbe(OnlineLinearProbe probe)
    {
        if (_probe is not null) throw new InvalidOperationException("an online linear probe is already attached");
        _probe = probe;
    }

    /// <summary>The learning rate of the latest update (before the first: the one it will use).</summary>
    public double CurrentLr { get; private set; }

    /// <summary>The backbone (images → pooled features).</summary>
    public Module<Tensor, Tensor> Backbone => _net.Backbone;

    /// <summary>The whole network (for export and tests).</summary>
    public NnclrNetwork Network => _net;

    /// <summary>The support set (for tests and metrics).</summary>
    public SupportSet SupportSet => _support;

    /// <summary>
    /// One NNCLR step. <paramref name="views"/>: [2N, 3, S, S] fp32 or bf16 (view 1 = rows 0..N−1), <paramref name="labels"/>: [N] int64,
    /// both on the trainer's device. No host synchronisation (unless TopK &gt; 1 on a GPU, see <see cref="SupportSet.Nearest"/>).
    /// </summary>
    public StepOutput Step(Tensor views, Tensor labels)
    {
        if (views.dim() != 4 || views.shape[0] != 2L * _batchSize)
            throw new ArgumentException($"views must be [{2 * _batchSize}, 3, S, S], got [{string.Join(", ", views.shape)}]", nameof(views));
        if (labels.dim() != 1 || labels.shape[0] != _batchSize)
            throw new ArgumentException($"labels must be [{_batchSize}], got [{string.Join(", ", labels.shape)}]", nameof(labels));
        using var scope = torch.NewDisposeScope();
        _net.zero_grad();
        var x = Prepare(views);
        var (z1, p1) = _net.Forward(x.narrow(0, 0, _batchSize), out var h1);
        var (z2, p2) = _net.Forward(x.narrow(0, _batchSize, _batchSize));
        var (nn1, idx1) = _support.Nearest(z1, _topK, _generator);
        var (nn2, _) = _support.Nearest(z2, _topK, _generator);
        var hits = _support.Hits(idx1, labels);
        var loss = NnclrLoss.Compute(nn1, p1, nn2, p2, _temperature, _loss);
        loss.backward();
        CurrentLr = _schedule.At(_step);
        _optimizer.Step(CurrentLr);
        _support.Enqueue(z1, labels);
        _step++;
        var online = _probe?.Step(h1.detach(), labels); // detached: nothing flows back into the backbone
        return new StepOutput(loss.detach().MoveToOuterDisposeScope(), hits.MoveToOuterDisposeScope(), online?.MoveToOuterDisposeScope());
    }

    /// <summary>Backbone features of <paramref name="images"/> [N, 3, S, S] in eval mode without gradient, fp32; the caller owns the result.</summary>
    public Tensor Features(Tensor images)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        _net.eval();
        try
        {
            return _net.Backbone.call(Prepare(images)).to(ScalarType.Float32).MoveToOuterDisposeScope();
        }
        finally { _net.train(); }
    }

    // Casts to the compute dtype and, with ChannelsLast, gives NHWC strides (both no-ops when already so).
    private Tensor Prepare(Tensor images)
    {
        var x = images.dtype == _computeType ? images : images.to(_computeType);
        if (_channelsLast && x.shape[1] > 1 && x.stride(1) != 1)
            x = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        return x;
    }

    /// <summary>
    /// A deep host copy of everything needed to resume bit-exactly (a device→host sync). With <paramref name="reuse"/>
    /// (an earlier snapshot of this trainer that nobody reads any more) the bytes are written into its arrays and it
    /// is returned: checkpoints then cost no new host memory.
    /// </summary>
    public TrainerState Snapshot(TrainerState? reuse = null)
    {
        if (reuse is not null && TryFill(reuse)) return reuse;
        return NewSnapshot();
    }

    // Writes the current state into an earlier snapshot of the same layout; false (partly written) on a mismatch.
    private bool TryFill(TrainerState into)
    {
        var t = into.Tensors;
        int i = 0;
        bool Next(string name, Tensor tensor) => i < t.Count && t[i++].TryCopyFrom(name, tensor);
        bool NextScalar(string name, long value) => i < t.Count && t[i++].TryCopyFrom(name, value);
        foreach (var (key, tensor, _) in StateDictOrder.Entries(_net))
            if (!Next("model." + key, tensor)) return false;
        foreach (var (name, tensor) in _optimizer.State)
            if (!Next("optim." + name, tensor)) return false;
        if (_probe is not null)
        {
            foreach (var (name, tensor) in _probe.State)
                if (!Next(name, tensor)) return false;
            if (!NextScalar("probe.step", _probe.Steps)) return false;
        }
        if (!NextScalar("optim.updates", _optimizer.Updates) || !Next("support.queue", _support.Queue) || !Next("support.labels", _support.Labels)
            || !NextScalar("support.pointer", _support.Pointer) || !NextScalar("trainer.step", _step) || !NextScalar("trainer.epochs", _epochs)) return false;
        using (var rng = _generator.get_state())
            if (!Next("rng.generator", rng)) return false;
        return i == t.Count;
    }

    // A snapshot in newly allocated host arrays.
    private TrainerState NewSnapshot()
    {
        var list = new List<StateTensor>();
        foreach (var (key, tensor, _) in StateDictOrder.Entries(_net)) list.Add(StateTensor.From("model." + key, tensor));
        foreach (var (name, tensor) in _optimizer.State) list.Add(StateTensor.From("optim." + name, tensor));
        if (_probe is not null)
        {
            foreach (var (name, tensor) in _probe.State) list.Add(StateTensor.From(name, tensor));
            list.Add(StateTensor.Scalar("probe.step", _probe.Steps));
        }
        list.Add(StateTensor.Scalar("optim.updates", _optimizer.Updates));
        list.Add(StateTensor.From("support.queue", _support.Queue));
        list.Add(StateTensor.From("support.labels", _support.Labels));
        list.Add(StateTensor.Scalar("support.pointer", _support.Pointer));
        list.Add(StateTensor.Scalar("trainer.step", _step));
        list.Add(StateTensor.Scalar("trainer.epochs", _epochs));
        using (var rng = _generator.get_state()) list.Add(StateTensor.From("rng.generator", rng));
        return new TrainerState(list);
    }

    /// <summary>Loads a snapshot taken from a trainer with the same model and optimiser settings; throws naming the first mismatch.</summary>
    public void Restore(TrainerState state)
    {
        var targets = new List<(string Name, Tensor Target)>();
        foreach (var (key, tensor, _) in StateDictOrder.Entries(_net)) targets.Add(("model." + key, tensor));
        foreach (var (name, tensor) in _optimizer.State) targets.Add(("optim." + name, tensor));
        if (_probe is not null) targets.AddRange(_probe.State);
        targets.Add(("support.queue", _support.Queue));
        targets.Add(("support.labels", _support.Labels));
        string[] scalars = ["optim.updates", "support.pointer", "trainer.step", "trainer.epochs", "rng.generator"];
        var expected = targets.Select(t => t.Name).Concat(scalars).Concat(_probe is null ? [] : ["probe.step"]).ToHashSet(StringComparer.Ordinal);
        var extra = state.Tensors.FirstOrDefault(t => !expected.Contains(t.Name));
        if (extra is not null)
            throw new ArgumentException($"state holds '{extra.Name}', which this trainer does not have (different model or optimiser settings?)", nameof(state));
        foreach (var (name, target) in targets)
        {
            if (!state.TryGet(name, out var src))
                throw new ArgumentException($"state lacks '{name}' (different model or optimiser settings?)", nameof(state));
            if (src.DType != target.dtype || !src.Shape.AsSpan().SequenceEqual(target.shape))
                throw new ArgumentException($"state tensor '{name}' is {src.DType} [{string.Join(", ", src.Shape)}], this trainer has {target.dtype} [{string.Join(", ", target.shape)}]", nameof(state));
        }
        // The scalars too, before anything is copied: a refused state must leave the trainer as it was.
        foreach (var name in scalars[..4])
            if (!state.TryGet(name, out var scalar) || scalar.DType != ScalarType.Int64 || scalar.Shape.Length != 0)
                throw new ArgumentException($"state tensor '{name}' is missing or not an int64 scalar", nameof(state));
        long pointer = state["support.pointer"].AsInt64();
        if (pointer < 0 || pointer >= _support.Size || pointer % _support.BatchSize != 0 || state["trainer.step"].AsInt64() < 0 || state["trainer.epochs"].AsInt64() < 0 || state["optim.updates"].AsInt64() < 0)
            throw new ArgumentException($"state holds an impossible support-set pointer ({pointer}), step, epoch or update count", nameof(state));
        if (_probe is not null && !(state.TryGet("probe.step", out var probeStep) && probeStep.DType == ScalarType.Int64 && probeStep.Shape.Length == 0 && probeStep.AsInt64() >= 0))
            throw new ArgumentException("state tensor 'probe.step' is missing or not an int64 scalar (a checkpoint without the online linear probe?)", nameof(state));
        if (!state.TryGet("rng.generator", out var rngState) || rngState.DType != ScalarType.Byte || rngState.Shape.Length != 1)
            throw new ArgumentException("state tensor 'rng.generator' is missing or not a byte vector", nameof(state));
        using (var current = _generator.get_state())
            if (rngState.Shape[0] != current.shape[0])
                throw new ArgumentException($"state tensor 'rng.generator' has {rngState.Shape[0]} bytes, a generator state has {current.shape[0]}", nameof(state));
        using (torch.no_grad())
            foreach (var (name, target) in targets)
            {
                if (name.StartsWith("support.", StringComparison.Ordinal)) continue;
                using var host = state[name].ToTensor();
                target.copy_(host);
            }
        using (var q = state["support.queue"].ToTensor())
        using (var l = state["support.labels"].ToTensor())
            _support.Load(q, l, state["support.pointer"].AsInt64());
        _optimizer.Updates = state["optim.updates"].AsInt64();
        if (_probe is not null) _probe.Steps = state["probe.step"].AsInt64();
        _step = state["trainer.step"].AsInt64();
        _epochs = state["trainer.epochs"].AsInt64();
        using (var rng = state["rng.generator"].ToTensor()) _generator.set_state(rng);
        CurrentLr = _schedule.At(Math.Max(0, _step - 1));
    }

    public void Dispose()
    {
        _probe?.Dispose();
        _support.Dispose();
        _generator.Dispose();
        foreach (var (_, t) in _optimizer.State) t.Dispose();
        _net.Dispose();
    }
}
