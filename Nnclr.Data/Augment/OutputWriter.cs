using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nnclr.Data.Augment;

/// <summary>Normalises planar [0, 1] fp32 into the caller's CHW output: x·(1/std) − mean/std, as fp32 or bf16 bits.</summary>
internal static class OutputWriter
{
    public static void Fp32(ReadOnlySpan<float> planar, int n, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, Span<float> dst)
    {
        for (int c = 0; c < 3; c++)
        {
            ref float s = ref MemoryMarshal.GetReference(planar.Slice(c * n, n));
            ref float d = ref MemoryMarshal.GetReference(dst.Slice(c * n, n));
            var vs = new Vector<float>(scale[c]); var vb = new Vector<float>(bias[c]);
            int i = 0;
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
                (Vector.LoadUnsafe(ref s, (nuint)i) * vs + vb).StoreUnsafe(ref d, (nuint)i);
            for (; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i) * scale[c] + bias[c];
        }
    }

    public static void Bf16(ReadOnlySpan<float> planar, int n, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, Span<ushort> dst)
    {
        int V = Vector<float>.Count;
        for (int c = 0; c < 3; c++)
        {
            ref float s = ref MemoryMarshal.GetReference(planar.Slice(c * n, n));
            ref ushort d = ref MemoryMarshal.GetReference(dst.Slice(c * n, n));
            var vs = new Vector<float>(scale[c]); var vb = new Vector<float>(bias[c]);
            int i = 0;
            for (; i <= n - 2 * V; i += 2 * V)
            {
                var lo = RoundBits(Vector.AsVectorUInt32(Vector.LoadUnsafe(ref s, (nuint)i) * vs + vb));
                var hi = RoundBits(Vector.AsVectorUInt32(Vector.LoadUnsafe(ref s, (nuint)(i + V)) * vs + vb));
                Vector.Narrow(lo, hi).StoreUnsafe(ref d, (nuint)i);
            }
            for (; i < n; i++) Unsafe.Add(ref d, i) = ToBf16(Unsafe.Add(ref s, i) * scale[c] + bias[c]);
        }
    }

    /// <summary>fp32 → bf16 bits, round to nearest even (finite inputs).</summary>
    public static ushort ToBf16(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1)) >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<uint> RoundBits(Vector<uint> bits) =>
        Vector.ShiftRightLogical(bits + new Vector<uint>(0x7FFFu) + (Vector.ShiftRightLogical(bits, 16) & Vector<uint>.One), 16);
}
