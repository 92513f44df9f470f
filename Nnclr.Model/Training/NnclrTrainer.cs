using Nnclr.Model.Distributed;

namespace Nnclr.Model;

/// <summary>
/// Owns the network, optimiser, support set and generator, and runs NNCLR training steps. Single thread: the only
/// object that touches the model. Precision "bf16": parameters stay fp32 (the optimiser's masters); each layer casts
/// its weights to bf16 inside the graph, BN and the loss run in fp32, gradients arrive in fp32 (autocast by hand).
/// Data parallel (an <see cref="ICollectives"/> of N &gt; 1 ranks, solo-learn's DDP semantics): Optim:BatchSize is the
/// global batch B and each rank steps on its B/N images; predictions are gathered for the loss (anchors offset by
/// rank), nearest neighbours are looked up per rank in the shared support set, gradients (with the step's loss and
/// hits) are averaged in one flat buffer, the support set enqueues every rank's view-1 embeddings in rank order, and
/// BN statistics are global (Model:SyncBatchNorm). Every rank then holds the same state, equal to one process's with B.
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
    // Compute dtype of activations: Float32 or BFloat16 (Float64 in verification runs).
    private readonly ScalarType _computeType;
    // Parameters, BN, loss, support set and reductions: Float32 (Float64 in verification runs).
    private readonly ScalarType _wideType;
    // The ranks this trainer steps with (world 1: SingleProcessCollectives, no collective is called).
    private readonly ICollectives _collectives;
    // _collectives with the owner of the tensors made in backward by the collectives in the graph.
    private readonly RankContext _ranks;
    // Images per view per step on this rank: _batchSize / WorldSize.
    private readonly int _localBatch;
    // Where this rank's rows start in the global batch: Rank × _localBatch.
    private readonly long _rowOffset;
    // World > 1: [every parameter's gradient, loss, hits] flat fp32 on the device, reduced in one call per step; else null.
    private readonly Tensor? _flat;
    // World > 1: each parameter with its (contiguous) view of _flat; else empty.
    private readonly (Parameter Param, Tensor Slice)[] _gradSlots = [];
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
    /// <paramref name="collectives"/>: the ranks of a data-parallel job (null: one process, the same as
    /// <see cref="SingleProcessCollectives"/>); Optim:BatchSize is the global batch and must be a multiple of the world
    /// size; <paramref name="stepsPerEpoch"/> counts global steps. With N &gt; 1 ranks the constructor is collective:
    /// every rank builds its trainer, and rank 0's weights, BN statistics and support set are broadcast to the others.
    /// </summary>
    public NnclrTrainer(ModelOptions model, NnclrOptions nnclr, OptimOptions optim, long stepsPerEpoch, long seed, Device device,
        ICollectives? collectives = null)
    {
        OptionsRules.Require(model, nnclr, optim);
        if (stepsPerEpoch < 1) throw new ArgumentException($"steps per epoch must be positive, got {stepsPerEpoch}", nameof(stepsPerEpoch));
        _collectives = collectives ?? SingleProcessCollectives.Instance;
        _ranks = new RankContext(_collectives);
        if (OptimOptions.WorldSizeProblem(optim.BatchSize, _collectives.WorldSize) is { } split) throw new ArgumentException(split);
        int batchSize = optim.BatchSize;
        _batchSize = batchSize;
        _localBatch = batchSize / _collectives.WorldSize;
        _rowOffset = (long)_collectives.Rank * _localBatch;
        _loss = LossVariants.Parse(nnclr.Loss);
        _topK = nnclr.TopK;
        _temperature = nnclr.Temperature;
        _channelsLast = model.ChannelsLast;
        _computeType = model.Float64 ? ScalarType.Float64 : model.Precision == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;
        _wideType = model.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        _net = NetworkFactory.CreateNetwork(model, seed);
        if (model.Float64) _net.to(ScalarType.Float64);
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
        _support = new SupportSet(nnclr.SupportSetSize, model.ProjectorOut, batchSize, _generator, device, _wideType);
        CurrentLr = _schedule.At(0);
        if (_collectives.WorldSize > 1)
        {
            if (model.SyncBatchNorm)
                foreach (var bn in _net.modules().OfType<BatchNormLayer>()) bn.Ranks = _ranks;
            long total = parameters.Sum(p => p.Item2.numel());
            _flat = torch.zeros(total + 2, dtype: _wideType, device: device);
            long at = 0;
            _gradSlots = parameters.Select(p =>
            {
                var slot = (p.Item2, _flat.narrow(0, at, p.Item2.numel()).view(p.Item2.shape));
                at += p.Item2.numel();
                return slot;
            }).ToArray();
            BroadcastFromRankZero();
        }
    }

    // Rank 0's floating-point state (parameters, BN running statistics, support set) to every rank in one call. The
    // int64 counters (BN batches tracked) and the generator start equal on every rank (same seed, no step yet).
    private void BroadcastFromRankZero()
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var tensors = StateDictOrder.Entries(_net).Select(e => e.Tensor).Where(t => t.is_floating_point()).Append(_support.Queue).ToList();
        var flat = torch.cat(tensors.Select(t => t.reshape(-1).to(_wideType)).ToList(), 0);
        _collectives.Broadcast(flat, 0);
        long at = 0;
        foreach (var t in tensors)
        {
            t.copy_(flat.narrow(0, at, t.numel()).view(t.shape));
            at += t.numel();
        }
    }

    /// <summary>The ranks this trainer steps with (world 1 when none was given).</summary>
    public ICollectives Collectives => _collectives;

    /// <summary>Images per view this rank steps on: Optim:BatchSize / WorldSize.</summary>
    public int LocalBatchSize => _localBatch;

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
    /// One NNCLR step on this rank's images. <paramref name="views"/>: [2n, 3, S, S] fp32 or bf16 (view 1 = rows 0..n−1),
    /// <paramref name="labels"/>: [n] int64, both on the trainer's device, n = <see cref="LocalBatchSize"/> (rank r holds
    /// images [r·n, (r+1)·n) of the global batch). The outputs are global: the mean loss and the hits over all ranks.
    /// No host synchronisation (unless TopK &gt; 1 on a GPU, see <see cref="SupportSet.Nearest(Tensor, int, Generator?)"/>).
    /// </summary>
    public StepOutput Step(Tensor views, Tensor labels)
    {
        int n = _localBatch;
        if (views.dim() != 4 || views.shape[0] != 2L * n)
            throw new ArgumentException($"views must be [{2 * n}, 3, S, S], got [{string.Join(", ", views.shape)}]", nameof(views));
        if (labels.dim() != 1 || labels.shape[0] != n)
            throw new ArgumentException($"labels must be [{n}], got [{string.Join(", ", labels.shape)}]", nameof(labels));
        using var scope = torch.NewDisposeScope();
        _net.zero_grad();
        var x = Prepare(views);
        var (z1, p1) = _net.Forward(x.narrow(0, 0, n), out var h1);
        var (z2, p2) = _net.Forward(x.narrow(0, n, n));
        var (nn1, idx1) = _support.Nearest(z1, _topK, _generator, _batchSize, _rowOffset);
        var (nn2, _) = _support.Nearest(z2, _topK, _generator, _batchSize, _rowOffset);
        var hits = _support.Hits(idx1, labels);
        // The online linear probe on this rank's view-1 features, detached: nothing flows back into the backbone, and
        // its head is not among the averaged gradients (with several ranks each trains its own copy: monitoring only).
        var online = _probe?.Step(h1.detach(), labels)?.MoveToOuterDisposeScope();
        if (_collectives.WorldSize == 1)
        {
            var loss = NnclrLoss.Compute(nn1, p1, nn2, p2, _temperature, _loss);
            loss.backward();
            CurrentLr = _schedule.At(_step);
            _optimizer.Step(CurrentLr);
            _support.Enqueue(z1, labels);
            _step++;
            return new StepOutput(loss.detach().to(ScalarType.Float32).MoveToOuterDisposeScope(), hits.MoveToOuterDisposeScope(), online);
        }
        // Every rank's predictions (with gradient) and, in one more call, view-1 embeddings, labels and neighbours.
        long d = p1.shape[1];
        var predictions = RankAutograd.Gather(torch.cat([p1.to(_wideType), p2.to(_wideType)], 1), _ranks);
        var constants = new List<Tensor> { z1.detach().to(_wideType), labels.to(_wideType).unsqueeze(1) };
        bool needsNeighbours = _loss == LossVariant.Symmetric;
        if (needsNeighbours) { constants.Add(nn1); constants.Add(nn2); }
        var gathered = _collectives.AllGather(torch.cat(constants, 1));
        var z1All = gathered.narrow(1, 0, d);
        var labelsAll = gathered.narrow(1, d, 1).squeeze(1).to(ScalarType.Int64);
        var nn1All = needsNeighbours ? gathered.narrow(1, d + 1, d) : nn1;
        var nn2All = needsNeighbours ? gathered.narrow(1, 2 * d + 1, d) : nn2;
        var part = NnclrLoss.Compute(nn1, predictions.narrow(1, 0, d), nn2, predictions.narrow(1, d, d), _temperature, _loss, _rowOffset, nn1All, nn2All);
        try { part.backward(); }
        finally { _ranks.DisposeBackwardTensors(); }
        var (globalLoss, globalHits) = AverageGradients(part, hits);
        CurrentLr = _schedule.At(_step);
        _optimizer.Step(CurrentLr);
        _support.Enqueue(z1All, labelsAll);
        _step++;
        return new StepOutput(globalLoss.MoveToOuterDisposeScope(), globalHits.MoveToOuterDisposeScope(), online);
    }

    // Averages every parameter's gradient over the ranks in one all-reduce of _flat, which also carries this rank's loss
    // and hits: the mean of the ranks' parts is the global loss (each part is a mean over this rank's rows), and the
    // mean of the parts' gradients is its gradient. Returns (global loss fp32, global hits int64), 0-dim, in the caller's scope.
    private (Tensor Loss, Tensor Hits) AverageGradients(Tensor part, Tensor hits)
    {
        using var noGrad = torch.no_grad();
        var flat = _flat!;
        foreach (var (p, slice) in _gradSlots)
        {
            using var g = p.grad;
            if (g is null) slice.zero_();
            else slice.copy_(g);
        }
        long total = flat.shape[0] - 2;
        var metrics = flat.narrow(0, total, 2);
        metrics.select(0, 0).copy_(part);
        metrics.select(0, 1).copy_(hits);
        _collectives.AllReduce(flat, ReduceOp.Average);
        foreach (var (p, slice) in _gradSlots)
        {
            using var g = p.grad;
            g?.copy_(slice);
        }
        var loss = metrics.select(0, 0).to(ScalarType.Float32, copy: true);
        var globalHits = metrics.select(0, 1).mul(_collectives.WorldSize).round().to(ScalarType.Int64);
        return (loss, globalHits);
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
        _ranks.DisposeBackwardTensors();
        _probe?.Dispose();
        foreach (var (_, slice) in _gradSlots) slice.Dispose();
        _flat?.Dispose();
        _support.Dispose();
        _generator.Dispose();
        foreach (var (_, t) in _optimizer.State) t.Dispose();
        _net.Dispose();
    }
}
