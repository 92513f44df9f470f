namespace Nnclr.Model;

/// <summary>
/// Everything a trainer needs to resume bit-exactly, as named host tensors: "model.*" (parameters and BN buffers in
/// state-dict order), "optim.*", "support.queue|labels|pointer", "trainer.step", "trainer.epochs", "rng.generator". Safe to hand to
/// another thread (no TorchSharp objects inside). Not changed once handed out, except that its owner may give it
/// back to <see cref="NnclrTrainer.Snapshot"/> to be overwritten once nobody reads it.
/// </summary>
public sealed class TrainerState
{
    // In insertion order; names unique.
    private readonly StateTensor[] _tensors;
    // Name → index into _tensors.
    private readonly Dictionary<string, int> _byName;

    public TrainerState(IEnumerable<StateTensor> tensors)
    {
        _tensors = tensors.ToArray();
        _byName = new Dictionary<string, int>(_tensors.Length, StringComparer.Ordinal);
        for (int i = 0; i < _tensors.Length; i++)
            if (!_byName.TryAdd(_tensors[i].Name, i))
                throw new ArgumentException($"state has two tensors named '{_tensors[i].Name}'");
    }

    /// <summary>All tensors in order.</summary>
    public IReadOnlyList<StateTensor> Tensors => _tensors;

    /// <summary>The tensor called <paramref name="name"/>; throws naming it when absent.</summary>
    public StateTensor this[string name] =>
        _byName.TryGetValue(name, out int i) ? _tensors[i] : throw new KeyNotFoundException($"state has no tensor named '{name}'");

    /// <summary>True and the tensor when present.</summary>
    public bool TryGet(string name, out StateTensor tensor)
    {
        bool found = _byName.TryGetValue(name, out int i);
        tensor = found ? _tensors[i] : null!;
        return found;
    }

    /// <summary>Optimiser steps taken ("trainer.step").</summary>
    public long Step => this["trainer.step"].AsInt64();

    /// <summary>Epochs completed ("trainer.epochs").</summary>
    public long Epochs => this["trainer.epochs"].AsInt64();

    /// <summary>Sum of the tensors' byte lengths.</summary>
    public long TotalBytes => _tensors.Sum(t => t.Data.LongLength);
}
