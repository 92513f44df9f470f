namespace Nnclr.Model;

/// <summary>The element types a snapshot, checkpoint or export may hold, with their sizes and file names.</summary>
public static class StateDTypes
{
    /// <summary>Every supported type with its element size and its name in files (safetensors' spelling).</summary>
    public static IReadOnlyList<(ScalarType Type, int Size, string Name)> Supported { get; } =
    [
        (ScalarType.Float32, 4, "F32"), (ScalarType.Float64, 8, "F64"), (ScalarType.BFloat16, 2, "BF16"),
        (ScalarType.Float16, 2, "F16"), (ScalarType.Int64, 8, "I64"), (ScalarType.Int32, 4, "I32"),
        (ScalarType.Int16, 2, "I16"), (ScalarType.Int8, 1, "I8"), (ScalarType.Byte, 1, "U8"), (ScalarType.Bool, 1, "BOOL"),
    ];

    /// <summary>Element size in bytes; throws for an unsupported type.</summary>
    public static int SizeOf(ScalarType type)
    {
        foreach (var s in Supported) if (s.Type == type) return s.Size;
        throw new ArgumentException($"unsupported tensor dtype {type}");
    }

    /// <summary>The file name of a type (e.g. "F32").</summary>
    public static string NameOf(ScalarType type)
    {
        foreach (var s in Supported) if (s.Type == type) return s.Name;
        throw new ArgumentException($"unsupported tensor dtype {type}");
    }

    /// <summary>The type for a file name, or null when unknown.</summary>
    public static ScalarType? Parse(string name)
    {
        foreach (var s in Supported) if (s.Name == name) return s.Type;
        return null;
    }

    /// <summary>product(shape) × element size, or −1 when a dimension is negative or the product overflows.</summary>
    public static long ByteLength(ScalarType type, ReadOnlySpan<long> shape)
    {
        long n = SizeOf(type);
        foreach (var d in shape)
        {
            if (d < 0) return -1;
            try { n = checked(n * d); }
            catch (OverflowException) { return -1; }
        }
        return n;
    }
}
