using TorchSharp;
using static TorchSharp.torch;

namespace Nnclr.Model;

/// <summary>
/// A module's state (parameters and persistent buffers) in PyTorch's state_dict order: for each module its own
/// parameters, then its own buffers, then each child in registration order. (TorchSharp's state_dict lists all
/// parameters before all buffers.)
/// </summary>
public static class StateDictOrder
{
    /// <summary>(key, tensor, isParameter) in PyTorch order; tensors are the module's own (not copies).</summary>
    public static List<(string Key, Tensor Tensor, bool IsParameter)> Entries(nn.Module module)
    {
        var list = new List<(string, Tensor, bool)>();
        Walk(module, "", list);
        return list;
    }

    private static void Walk(nn.Module module, string prefix, List<(string, Tensor, bool)> list)
    {
        foreach (var (name, p) in module.named_parameters(recurse: false)) list.Add((prefix + name, p, true));
        foreach (var (name, b) in module.named_buffers(recurse: false, include_nonpersistent: false)) list.Add((prefix + name, b, false));
        foreach (var (name, child) in module.named_children()) Walk(child, prefix + name + ".", list);
    }
}
