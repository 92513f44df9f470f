using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nnclr.Model.Runtime;

namespace Nnclr.Model.Distributed;

/// <summary>
/// The address of a contiguous tensor's first element, for a native collective: on the CPU the span TorchSharp's
/// <c>Tensor.bytes</c> exposes (THSTensor_data); on a GPU the same THSTensor_data export of libLibTorchSharp, called
/// directly (TorchSharp 0.107 exposes no device pointer publicly; <c>Storage.data_ptr</c> converts the dtype first).
/// </summary>
internal static unsafe class TensorMemory
{
    private static readonly Lazy<nint> DataExport = new(() =>
    {
        var path = TorchRuntime.LibTorchSharpPath() ?? "libLibTorchSharp.so";
        return NativeLibrary.TryLoad(path, out var lib) && NativeLibrary.TryGetExport(lib, "THSTensor_data", out var f) ? f
            : throw new InvalidOperationException($"{path} does not export THSTensor_data (another TorchSharp version?)");
    });

    /// <summary>The tensor's data address (0 when it is empty); throws when it is not contiguous.</summary>
    public static nint Address(Tensor t)
    {
        if (!t.is_contiguous()) throw new ArgumentException("collectives take contiguous tensors");
        if (t.numel() == 0) return 0;
        if (t.device_type == DeviceType.CPU) return (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));
        return ((delegate* unmanaged<nint, nint>)DataExport.Value)(t.Handle);
    }
}
