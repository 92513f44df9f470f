using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Nnclr.Host.Tests.Integration;

/// <summary>
/// Type=notify without systemd: the test plays the service manager, handing `nnclr train` a NOTIFY_SOCKET as systemd
/// does and reading the datagrams; SIGTERM (systemctl stop) is the graceful stop.
/// </summary>
[Collection("train-process")]
public sealed class SystemdNotifyProcessTests(DemoData demo) : IClassFixture<DemoData>
{
    [Fact]
    public async Task Train_NotifySocket_SendsReadyThenStoppingOnSigterm()
    {
        var run = demo.NewRunDir("notify");
        var socketPath = Path.Combine(demo.Root, $"notify-{Guid.NewGuid():N}"[..20] + ".sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "nnclr.dll"), .. demo.TrainArgs(run, 100_000, 1000)])
        {
            WorkingDirectory = demo.Root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["NOTIFY_SOCKET"] = socketPath;
        psi.Environment["NNCLR_Run__LogFormat"] = "json";
        using var p = Process.Start(psi)!;
        var output = new StringBuilder();
        p.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            var buffer = new byte[4096];
            using var ready = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, ready.Token);
            Assert.Contains("READY=1", Encoding.ASCII.GetString(buffer, 0, n));

            // Stop once training has logged a step, as `systemctl stop` would.
            var metrics = Path.Combine(run, "metrics.jsonl");
            while (!(File.Exists(metrics) && new FileInfo(metrics).Length > 0))
            {
                Assert.False(p.HasExited, output.ToString());
                await Task.Delay(20, ready.Token);
            }
            using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!) kill.WaitForExit();
            n = await socket.ReceiveAsync(buffer, SocketFlags.None, ready.Token);
            Assert.Contains("STOPPING=1", Encoding.ASCII.GetString(buffer, 0, n));
            await p.WaitForExitAsync(ready.Token);
            Assert.True(p.ExitCode == 0, output.ToString());
            Assert.Contains("\"stopped\"", File.ReadAllText(Path.Combine(run, "summary.json")));
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            File.Delete(socketPath);
        }
    }
}
