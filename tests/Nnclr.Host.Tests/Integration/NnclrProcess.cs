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
        : this(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "nnclr.dll"), .. args]), workDir, environment) { }

    /// <summary>
    /// `mpirun -np <paramref name="ranks"/> dotnet nnclr.dll …` with Open MPI's shared-memory transport, allowed as root, on
    /// more ranks than cores; each element of <paramref name="appContexts"/> beyond the first is another MPMD app context
    /// (`: -np 1 dotnet nnclr.dll …`), for ranks given different arguments.
    /// </summary>
    public static NnclrProcess Mpirun(string workDir, IReadOnlyDictionary<string, string> environment, int ranks, string[] args, params string[][] appContexts)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "nnclr.dll");
        var line = new List<string> { "--oversubscribe", "--mca", "pml", "ob1", "--mca", "btl", "self,vader", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", dll };
        line.AddRange(args);
        foreach (var context in appContexts) { line.AddRange([":", "-np", "1", "dotnet", dll]); line.AddRange(context); }
        var env = new Dictionary<string, string>(environment)
        {
            ["OMPI_ALLOW_RUN_AS_ROOT"] = "1", ["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1", ["OMPI_MCA_opal_signal"] = "",
        };
        return new NnclrProcess(new ProcessStartInfo(MpirunPath, line), workDir, env);
    }

    /// <summary>Open MPI's mpirun; a missing one fails the test with the fix (scripts/setup.sh installs openmpi-bin), never skips it.</summary>
    public static string MpirunPath
    {
        get
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
                if (File.Exists(Path.Combine(dir, "mpirun"))) return Path.Combine(dir, "mpirun");
            Assert.Fail("mpirun (Open MPI) is not installed: the multi-process tests need it; run scripts/setup.sh (apt-get install openmpi-bin)");
            return "";
        }
    }

    private NnclrProcess(ProcessStartInfo psi, string workDir, IReadOnlyDictionary<string, string> environment)
    {
        psi.WorkingDirectory = workDir;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
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
