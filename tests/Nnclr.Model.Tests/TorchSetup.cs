using Nnclr.Model.Runtime;
using TorchSharp;

namespace Nnclr.Model.Tests;

/// <summary>Loads libtorch once per test process.</summary>
internal static class TorchSetup
{
    private static readonly Lazy<bool> Loaded = new(() =>
    {
        TorchRuntime.EnsureLoaded();
        return true;
    });

    public static void Ensure() => _ = Loaded.Value;
}
