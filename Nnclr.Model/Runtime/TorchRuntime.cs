using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;

namespace Nnclr.Model.Runtime;

/// <summary>
/// Loads TorchSharp's native side once and, when that fails, explains why. TorchSharp's own message
/// ("doesn't contain a reference to libtorch-cpu") is misleading for the common causes: a libstdc++
/// without GLIBCXX_3.4.32, a missing libtorch on LD_LIBRARY_PATH, or a wrong path.
/// </summary>
public static class TorchRuntime
{
    /// <summary>The TorchSharp package version this build links (from its assembly; loads no native code).</summary>
    public static string TorchSharpVersion =>
        (typeof(TorchSharp.torch).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown").Split('+')[0];

    /// <summary>The libstdc++ symbol version that TorchSharp 0.107's libLibTorchSharp.so needs.</summary>
    public const string RequiredGlibcxx = "GLIBCXX_3.4.32";

    private static readonly object Gate = new();
    // Set once the native side loaded; never reset.
    private static bool _loaded;

    /// <summary>Loads libtorch (and CUDA when present). Throws <see cref="TorchLoadException"/> with the real cause.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded) return;
            // On a failed load TorchSharp writes a long loader trace to stdout (which would break `doctor --json`):
            // hold it back, and show it on stderr only with NNCLR_DEBUG=1; Diagnose() gives the cause in one line.
            var stdout = Console.Out;
            using var trace = new StringWriter();
            Console.SetOut(trace);
            try
            {
                // TryInitializeDeviceType(CUDA) loads the native libraries and, where a CUDA libtorch
                // is present, initialises CUDA; it returns false on a CPU-only libtorch.
                torch.TryInitializeDeviceType(DeviceType.CUDA);
                _ = torch.__version__;
                _loaded = true;
                TurnOffNnpack();
            }
            catch (Exception ex) when (ex is not TorchLoadException)
            {
                if (Environment.GetEnvironmentVariable("NNCLR_DEBUG") == "1") Console.Error.Write(trace.ToString());
                throw new TorchLoadException(Diagnose(), ex);
            }
            finally
            {
                Console.SetOut(stdout);
            }
        }
    }

    /// <summary>
    /// A device setting resolved for this process by <see cref="DecideDevice(string, bool, string?)"/> (loads libtorch
    /// first); throws <see cref="DeviceUnavailableException"/> with the decision's one-line cause and fix.
    /// </summary>
    public static string ResolveDevice(string setting, string? gpuPreset = null)
    {
        EnsureLoaded();
        var decision = DecideDevice(setting, torch.cuda.is_available(), gpuPreset);
        return decision.Device ?? throw new DeviceUnavailableException(decision.Error!);
    }

    /// <summary>
    /// Fixed algorithms for a reproducible run on any device: at::Context's deterministic-algorithms flag (what
    /// torch.use_deterministic_algorithms(True) sets), cuDNN deterministic with benchmarking off, TF32 off, and
    /// CUBLAS_WORKSPACE_CONFIG=:4096:8 (cuBLAS reads it when its handle is created, so call this before the first
    /// CUDA kernel). Same seed, same machine → same bits. TorchSharp 0.107 marks use_deterministic_algorithms
    /// "not implemented", so the three at::Context setters are called in libtorch_cpu directly; throws
    /// <see cref="TorchLoadException"/> when they cannot be found (a silent non-deterministic run would be worse).
    /// </summary>
    public static unsafe void UseDeterministicAlgorithms()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CUBLAS_WORKSPACE_CONFIG")))
            Environment.SetEnvironmentVariable("CUBLAS_WORKSPACE_CONFIG", ":4096:8");
        EnsureLoaded();
        var path = LoadedLibTorchPath() ?? throw new TorchLoadException("Run:Deterministic: libtorch_cpu is not mapped into this process", null);
        var lib = NativeLibrary.Load(path);
        // Itanium C++ ABI names; a member function takes `this` as its first argument.
        var context = ((delegate* unmanaged<nint>)Export(lib, "_ZN2at13globalContextEv"))();
        ((delegate* unmanaged<nint, byte, byte, void>)Export(lib, "_ZN2at7Context26setDeterministicAlgorithmsEbb"))(context, 1, 0);
        ((delegate* unmanaged<nint, byte, void>)Export(lib, "_ZN2at7Context21setDeterministicCuDNNEb"))(context, 1);
        ((delegate* unmanaged<nint, byte, void>)Export(lib, "_ZN2at7Context17setBenchmarkCuDNNEb"))(context, 0);
        if (((delegate* unmanaged<nint, byte>)Export(lib, "_ZNK2at7Context23deterministicAlgorithmsEv"))(context) == 0)
            throw new TorchLoadException("Run:Deterministic: libtorch did not accept deterministic algorithms", null);
        torch.backends.cuda.matmul.allow_tf32 = false;
        torch.backends.cudnn.allow_tf32 = false;
    }

    /// <summary>
    /// Turns NNPACK off (what torch.backends.nnpack.set_flags(False) does). libtorch asks NNPACK about every float CPU
    /// convolution oneDNN does not take (a batch of one image: `neighbors --query`) and, on x86 CPUs it does not
    /// support, prints "Could not initialize NNPACK! Reason: Unsupported hardware" each time; NNPACK would only serve
    /// batches of 16 and more, which oneDNN takes first, so turning it off changes no kernel, only the noise.
    /// Best effort: a libtorch without the symbol is left as it is.
    /// </summary>
    private static unsafe void TurnOffNnpack()
    {
        if (LoadedLibTorchPath() is not { } path || !NativeLibrary.TryLoad(path, out var lib)) return;
        if (NativeLibrary.TryGetExport(lib, "_ZN2at13globalContextEv", out var global)
            && NativeLibrary.TryGetExport(lib, "_ZN2at7Context20setUserEnabledNNPACKEb", out var set))
            ((delegate* unmanaged<nint, byte, void>)set)(((delegate* unmanaged<nint>)global)(), 0);
    }

    // The address of an exported symbol of libtorch_cpu, or a TorchLoadException naming it.
    private static nint Export(nint lib, string name) =>
        NativeLibrary.TryGetExport(lib, name, out var address) ? address
            : throw new TorchLoadException($"Run:Deterministic: libtorch_cpu does not export {name} (a different libtorch version?)", null);

    /// <summary>The path of the libtorch shared object mapped into this process, or null.</summary>
    public static string? LoadedLibTorchPath()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash < 0) continue;
                var path = line[slash..];
                var name = Path.GetFileName(path);
                if (name is "libtorch_cpu.so" || name.StartsWith("libtorch_cpu.so.", StringComparison.Ordinal))
                    return path;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>Path of the system libstdc++.so.6, or null when none is found.</summary>
    public static string? LibStdCxxPath()
    {
        string[] candidates =
        [
            "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>True when the system libstdc++ exports <see cref="RequiredGlibcxx"/>; null when unknown.</summary>
    public static bool? HasRequiredGlibcxx()
    {
        var path = LibStdCxxPath();
        if (path is null) return null;
        var bytes = File.ReadAllBytes(path);
        return bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(RequiredGlibcxx + "\0")) >= 0;
    }

    /// <summary>Where libLibTorchSharp.so sits next to this application, or null.</summary>
    public static string? LibTorchSharpPath()
    {
        var baseDir = AppContext.BaseDirectory;
        string[] candidates =
        [
            Path.Combine(baseDir, "libLibTorchSharp.so"),
            Path.Combine(baseDir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", "libLibTorchSharp.so"),
            Path.Combine(baseDir, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>Directories searched for an external libtorch: the app folder, then LD_LIBRARY_PATH.</summary>
    public static IEnumerable<string> LibTorchSearchDirs()
    {
        yield return AppContext.BaseDirectory;
        yield return Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        var ld = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        if (string.IsNullOrEmpty(ld)) yield break;
        foreach (var d in ld.Split(':', StringSplitOptions.RemoveEmptyEntries)) yield return d;
    }

    /// <summary>The first libtorch_cpu.so found in <see cref="LibTorchSearchDirs"/>, or null.</summary>
    public static string? FindLibTorch() =>
        LibTorchSearchDirs().Select(d => Path.Combine(d, "libtorch_cpu.so")).FirstOrDefault(File.Exists);

    /// <summary>The libtorch release TorchSharp 0.107 was built for; another one may work but is unchecked.</summary>
    public const string ExpectedLibTorch = "2.10";

    /// <summary>
    /// The CUDA build of the libtorch at <paramref name="libtorchPath"/> (a libtorch_cpu.so): "cpu" when no
    /// libtorch_cuda.so sits beside it, "cuda X.Y" when a pip PyTorch's version.py or a bundled libcudart names
    /// the version, "cuda" otherwise; "unknown" without a path.
    /// </summary>
    public static string LibTorchBuild(string? libtorchPath)
    {
        if (libtorchPath is null || Path.GetDirectoryName(libtorchPath) is not { } dir) return "unknown";
        if (!File.Exists(Path.Combine(dir, "libtorch_cuda.so"))) return "cpu";
        var versionPy = Path.Combine(dir, "..", "version.py");
        if (File.Exists(versionPy))
            foreach (var line in File.ReadLines(versionPy))
                if (line.StartsWith("cuda", StringComparison.Ordinal) && line.Split('\'') is [_, var v, ..] && v.Length > 0)
                    return "cuda " + v;
        var cudart = Directory.EnumerateFiles(dir, "libcudart*.so.*").Select(Path.GetFileName).FirstOrDefault();
        return cudart is null ? "cuda" : $"cuda {cudart[(cudart.LastIndexOf(".so.", StringComparison.Ordinal) + 4)..]}";
    }

    /// <summary>The warning for a libtorch other than <see cref="ExpectedLibTorch"/>, or null.</summary>
    public static string? LibTorchVersionWarning(string version) =>
        version == ExpectedLibTorch || version.StartsWith(ExpectedLibTorch + ".", StringComparison.Ordinal) || version.StartsWith(ExpectedLibTorch + "+", StringComparison.Ordinal)
            ? null
            : $"libtorch {version} is loaded but TorchSharp 0.107 was built for libtorch {ExpectedLibTorch}: it may work (2.11 was seen to), but only {ExpectedLibTorch} is checked";

    /// <summary>This process's device decision: <see cref="DecideDevice"/> with the loaded libtorch and the probed machine.</summary>
    public static DeviceDecision DecideDevice(string requested, bool cudaAvailable, string? preset = null) =>
        // The machine is only probed (nvidia-smi runs) when the answer depends on it.
        DecideDevice(requested, cudaAvailable, preset,
            cudaAvailable || requested == "cpu" ? GpuProbe.None : GpuProbe.Machine,
            () => LibTorchBuild(LoadedLibTorchPath()));

    /// <summary>
    /// THE device decision (no silent CPU training). "cpu" is always granted. "cuda[:N]" (what a preset meant for a
    /// GPU sets) needs CUDA to load, else an error naming the cause and the fix. "auto" is CUDA when it loads, the
    /// CPU on a machine without a GPU, and an error on a machine whose GPU this libtorch cannot use (a CPU-only
    /// build, or a CUDA build that did not initialise). Run:Deterministic does not enter: it fixes the algorithms on
    /// whichever device this picks.
    /// </summary>
    public static DeviceDecision DecideDevice(string requested, bool cudaAvailable, string? preset,
        GpuProbe machine, Func<string> libtorchBuild)
    {
        if (requested == "cpu") return new DeviceDecision("cpu", null);
        if (cudaAvailable) return new DeviceDecision(requested == "auto" ? "cuda" : requested, null);
        if (requested == "auto" && !machine.Present) return new DeviceDecision("cpu", null);

        var what = requested == "auto"
            ? "Pipeline:Device is 'auto'"
            : preset is null ? $"Pipeline:Device is '{requested}'" : $"preset '{preset}' is meant for a GPU (Pipeline:Device={requested})";
        string cause, fix;
        if (!machine.Present)
        {
            cause = $"this machine has no NVIDIA GPU ({machine.Evidence})";
            fix = "run it on a GPU machine";
        }
        else if (libtorchBuild() is "cpu" or "unknown")
        {
            cause = $"a GPU is here ({machine.Evidence}) but this build's libtorch is CPU-only";
            fix = "let ./nnclr build the GPU backend (it does when it sees the GPU; or NNCLR_TORCH_BACKEND=external|cuda ./nnclr ...)";
        }
        else
        {
            cause = $"a GPU is here ({machine.Evidence}) and libtorch is a CUDA build ({libtorchBuild()}) but CUDA did not initialise";
            fix = "check the driver supports that CUDA and /dev/nvidia* is accessible ('./nnclr doctor')";
        }
        return new DeviceDecision(null, $"{what} but CUDA does not load: {cause}; fix: {fix}, or pass --device cpu to train on the CPU");
    }

    /// <summary>Explains why the native side failed to load, most likely cause first.</summary>
    public static string Diagnose()
    {
        if (!OperatingSystem.IsLinux())
            return "libtorch could not be loaded (nnclr is supported on Linux x64 only).";
        var sb = new StringBuilder("libtorch could not be loaded: ");
        if (HasRequiredGlibcxx() == false)
        {
            sb.Append($"{LibStdCxxPath()} lacks {RequiredGlibcxx}, which TorchSharp 0.107's libLibTorchSharp.so needs. ")
              .Append("Run scripts/setup.sh as root (on Debian 12 it installs libstdc++6 from Debian 13), or install a libstdc++ from GCC 14+.");
            return sb.ToString();
        }
        var shim = LibTorchSharpPath();
        if (shim is null)
            return sb.Append($"libLibTorchSharp.so is not in {AppContext.BaseDirectory} (the TorchSharp package's native part is missing from this build).").ToString();
        var libtorch = FindLibTorch();
        if (libtorch is null)
            return sb.Append("no libtorch_cpu.so next to the application or on LD_LIBRARY_PATH (")
                .Append(Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "unset")
                .Append("). An external-backend build needs LD_LIBRARY_PATH set to a libtorch folder, e.g. a pip PyTorch's torch/lib.").ToString();
        // Everything looks present: ask the dynamic loader itself for its error.
        try
        {
            var h = NativeLibrary.Load(shim);
            NativeLibrary.Free(h);
            return sb.Append($"libLibTorchSharp.so ({shim}) loads against {libtorch}, but TorchSharp still failed; see the inner error.").ToString();
        }
        catch (DllNotFoundException e)
        {
            return sb.Append($"the dynamic loader said: {e.Message}").ToString();
        }
    }
}
