using System.Diagnostics;
using System.Text.Json;

namespace Nnclr.Host.Tests;

public sealed class DoctorTests
{
    [Fact]
    public async Task DoctorJson_OnCpuMachine_ReportsLoadedCpuLibTorch210()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "nnclr.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, "doctor", "--json"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = await p.StandardOutput.ReadToEndAsync();
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"doctor exited {p.ExitCode}: {stdout}\n{stderr}");

        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        Assert.True(r.GetProperty("libtorchLoaded").GetBoolean());
        Assert.StartsWith("2.10.0", r.GetProperty("libtorchVersion").GetString());
        Assert.EndsWith("libtorch_cpu.so", r.GetProperty("libtorchPath").GetString());
        Assert.True(r.GetProperty("glibcxx_3_4_32").GetBoolean());
        Assert.Equal(Environment.ProcessorCount, r.GetProperty("cpuCores").GetInt32());
        Assert.False(r.GetProperty("cudaAvailable").GetBoolean() && !File.Exists("/dev/nvidiactl"));
    }

    [Fact]
    public async Task UnknownCommand_Always_ExitsWithUsageError()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "nnclr.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, "frobnicate"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("unknown command 'frobnicate'", stderr);
    }
}
