using System.Diagnostics;

namespace Nnclr.Host.Tests;

/// <summary>
/// A faked GPU machine in a temporary folder: a stub `nvidia-smi` (H200, driver 580, CUDA 13.0), a stub python
/// whose `import torch` reports a chosen PyTorch, and a fake /dev/nvidia0 (an ordinary file for NNCLR_NVIDIA_DEVICE).
/// Runs bash scripts with PATH limited to the stubs, so the real machine never leaks in.
/// </summary>
internal sealed class FakeMachine : IDisposable
{
    // The temporary folder holding bin/ (stubs on PATH) and the fake device file.
    private readonly string _dir;

    public FakeMachine() { _dir = Directory.CreateTempSubdirectory("nnclr-fake-machine-").FullName; Directory.CreateDirectory(BinDir); }

    /// <summary>What goes first on PATH: the stubs.</summary>
    public string BinDir => Path.Combine(_dir, "bin");

    /// <summary>The fake device file's path; it exists only after <see cref="WithDeviceFile"/>.</summary>
    public string DeviceFile => Path.Combine(_dir, "nvidia0");

    /// <summary>A fake torch/lib folder a stub PyTorch points at.</summary>
    public string TorchLib => Path.Combine(_dir, "torch", "lib");

    /// <summary>Written by the stub python when it runs (to check python is not asked on a CPU machine).</summary>
    public string PythonAskedMarker => Path.Combine(_dir, "python-asked");

    public FakeMachine WithNvidiaSmi()
    {
        Stub("nvidia-smi", """
            case "$1" in
              --query-gpu*) echo "NVIDIA H200, 580.65.06, 143771 MiB" ;;
              *) echo "| NVIDIA-SMI 580.65.06    Driver Version: 580.65.06    CUDA Version: 13.0 |" ;;
            esac
            """);
        return this;
    }

    public FakeMachine WithDeviceFile() { File.WriteAllText(DeviceFile, ""); return this; }

    /// <summary>A python3 whose torch has CUDA <paramref name="cuda"/> ("None" for a CPU-only PyTorch).</summary>
    public FakeMachine WithPyTorch(string cuda)
    {
        Directory.CreateDirectory(TorchLib);
        Stub("python3", $"""
            : > '{PythonAskedMarker}'
            case "$2" in
              *__version__*) echo "2.11.0 {cuda}" ;;
              *) echo "{TorchLib} {cuda}" ;;
            esac
            """);
        return this;
    }

    /// <summary>A python3 without torch (import fails).</summary>
    public FakeMachine WithPythonWithoutTorch()
    {
        Stub("python3", $": > '{PythonAskedMarker}'\necho \"ModuleNotFoundError: No module named 'torch'\" >&2\nexit 1");
        return this;
    }

    /// <summary>The environment a script sees: PATH = the stubs only, the fake device file, no override.</summary>
    public Dictionary<string, string> Environment(params (string Key, string Value)[] extra)
    {
        var env = new Dictionary<string, string> { ["PATH"] = BinDir, ["NNCLR_NVIDIA_DEVICE"] = DeviceFile };
        foreach (var (k, v) in extra) env[k] = v;
        return env;
    }

    /// <summary>Runs `bash -c script` in <paramref name="workDir"/> with exactly <paramref name="env"/> (plus HOME); returns exit code and both streams.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> Bash(string script, string workDir, IDictionary<string, string> env, string? stdin = null)
    {
        var psi = new ProcessStartInfo("/bin/bash", ["-c", script])
        {
            WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        psi.Environment.Clear();
        psi.Environment["HOME"] = System.Environment.GetEnvironmentVariable("HOME") ?? "/root";
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Any other tool on PATH: a sh script with <paramref name="body"/>.</summary>
    public FakeMachine WithStub(string name, string body) { Stub(name, body); return this; }

    private void Stub(string name, string body)
    {
        var path = Path.Combine(BinDir, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
    }

    public void Dispose() { try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } }
}
