using System.Diagnostics;
using System.Text;

namespace Nnclr.Host.Tests.Integration;

/// <summary>Runs the real `nnclr` executable (nnclr.dll beside the tests) as a child process.</summary>
internal sealed class NnclrProcess : IDisposable
{
    // The child; killed on Dispose if still running.
    private readonly Process _process;
    // Everything it printed, both streams interleaved by arrival.
    private readonly StringBuilder _output = new();

    public NnclrProcess(string workDir, params string[] args) : this(workDir, new Dictionary<string, string>(), args) { }

    /// <summary>As the other constructor, with extra environment variables for the child.</summary>
    public NnclrProcess(string workDir, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "nnclr.dll"), .. args])
        {
            WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["NNCLR_Run__LogFormat"] = "json";
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Waits for the exit; fails the test with the output when it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"nnclr did not exit within {timeout}:\n{Output}");
        }
        _process.WaitForExit(); // drain the output readers
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no chance to clean up, as in a crash or an OOM kill.</summary>
    public void Kill() { _process.Kill(entireProcessTree: true); _process.WaitForExit(); }

    /// <summary>SIGTERM, as sent by systemd, Docker or Kubernetes on stop.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with the output after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var end = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (_process.HasExited) Assert.Fail($"nnclr exited ({_process.ExitCode}) before {what}:\n{Output}");
            if (DateTime.UtcNow > end) Assert.Fail($"timed out waiting for {what}:\n{Output}");
            await Task.Delay(10);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
