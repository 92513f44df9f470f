namespace Nnclr.Model;

/// <summary>One named tensor copied to host memory: dtype, shape and the contiguous little-endian bytes.</summary>
public sealed class StateTensor
{
    /// <summary>Key, e.g. "model.backbone.conv1.weight" or "support.queue".</summary>
    public string Name { get; }
    /// <summary>Element type; one of <see cref="StateDTypes.Supported"/>.</summary>
    public ScalarType DType { get; }
    /// <summary>Dimensions (empty for a scalar); each ≥ 0.</summary>
    public long[] Shape { get; }
    /// <summary>Row-major element bytes; length = product(Shape) × element size.</summary>
    public byte[] Data { get; }

    public StateTensor(string name, ScalarType dtype, long[] shape, byte[] data)
    {
        long expected = StateDTypes.ByteLength(dtype, shape);
        if (expected != data.LongLength)
            throw new ArgumentException($"state tensor '{name}': {data.LongLength} bytes for {dtype} [{string.Join(", ", shape)}], expected {expected}");
        Name = name; DType = dtype; Shape = shape; Data = data;
    }

    /// <summary>A host copy of <paramref name="tensor"/> (any device, any strides).</summary>
    public static StateTensor From(string name, Tensor tensor)
    {
        using var scope = torch.NewDisposeScope();
        var host = tensor.detach().to(torch.CPU).contiguous();
        return new StateTensor(name, host.dtype, host.shape, host.bytes.ToArray());
    }

    /// <summary>
    /// Overwrites this host copy with <paramref name="tensor"/>'s contents when name, dtype and shape match (no managed
    /// allocation: the bytes go into the existing array); false, and nothing written, otherwise.
    /// </summary>
    public bool TryCopyFrom(string name, Tensor tensor)
    {
        if (name != Name || tensor.dtype != DType || !Shape.AsSpan().SequenceEqual(tensor.shape)) return false;
        using var scope = torch.NewDisposeScope();
        var host = tensor.detach().to(torch.CPU).contiguous();
        host.bytes.CopyTo(Data);
        return true;
    }

    /// <summary>Overwrites a 0-dim int64 host copy called <paramref name="name"/> with <paramref name="value"/>; false when it is not one.</summary>
    public bool TryCopyFrom(string name, long value)
    {
        if (name != Name || DType != ScalarType.Int64 || Shape.Length != 0) return false;
        BitConverter.TryWriteBytes(Data, value);
        return true;
    }

    /// <summary>A 0-dim int64 tensor holding <paramref name="value"/>.</summary>
    public static StateTensor Scalar(string name, long value) =>
        new(name, ScalarType.Int64, [], BitConverter.GetBytes(value));

    /// <summary>The value of a 0-dim int64 tensor.</summary>
    public long AsInt64()
    {
        if (DType != ScalarType.Int64 || Shape.Length != 0)
            throw new InvalidOperationException($"state tensor '{Name}' is {DType} [{string.Join(", ", Shape)}], not an int64 scalar");
        return BitConverter.ToInt64(Data);
    }

    /// <summary>A new CPU tensor with these contents; the caller owns it.</summary>
    public Tensor ToTensor()
    {
        var t = torch.empty(Shape, dtype: DType);
        if (Data.Length > 0) t.bytes = Data;
        return t;
    }

    /// <summary>True when dtype, shape and bytes are identical.</summary>
    public bool ContentEquals(StateTensor other) =>
        DType == other.DType && Shape.AsSpan().SequenceEqual(other.Shape) && Data.AsSpan().SequenceEqual(other.Data);
}
