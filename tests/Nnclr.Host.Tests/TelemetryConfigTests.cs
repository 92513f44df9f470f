using System.Collections;
using Nnclr.Host.Cli;
using Nnclr.Host.Configuration;
using Nnclr.Host.Hosting;
using Nnclr.Host.Report;
using Nnclr.Model;
using Nnclr.Pipeline.Tests.Fakes;

namespace Nnclr.Host.Tests;

public sealed class TelemetryConfigTests : IDisposable
{
    private static readonly IDictionary NoEnvironment = new Hashtable();
    // This test's run directory, deleted afterwards.
    private readonly string _runDir = Path.Combine(Path.GetTempPath(), $"nnclr-tel-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_runDir)) Directory.Delete(_runDir, recursive: true);
    }

    private async Task<(int Code, string Error)> Train(string set)
    {
        var flags = TrainFlags.Parse(new CliArgs(
            ["--preset", "demo", "--run-dir", _runDir, "--max-steps", "12", "--log-every", "3", "--log-format", "json",
             "--set", "Optim:BatchSize=8;Nnclr:SupportSetSize=64;Checkpoint:EverySteps=10;Pipeline:AugmentThreads=2;" + set],
            new HashSet<string> { "deterministic", "resume" }));
        var error = new StringWriter();
        int code = await TrainingHost.RunAsync(flags, c => new FakePorts(c, new FakeSink()), default, NoEnvironment, error).WaitAsync(TimeSpan.FromSeconds(60));
        return (code, error.ToString());
    }

    [Theory]
    [InlineData("Telemetry:PrometheusPort=70000", "Telemetry:PrometheusPort must be between 0 and 65535")]
    [InlineData("Telemetry:OtlpEndpoint=collector:4317", "Telemetry:OtlpEndpoint must be an absolute http:// or https:// address")]
    [InlineData("Telemetry:OtlpProtocol=udp", "Telemetry:OtlpProtocol must be grpc or http/protobuf")]
    [InlineData("Telemetry:PrometheusHost=a b", "Telemetry:PrometheusHost must be a host name")]
    [InlineData("Telemetry:Prometheus=1", "Prometheus")]
    public async Task Train_BadTelemetrySetting_Exit2NamingIt(string set, string message)
    {
        var (code, error) = await Train(set);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(message, error);
    }

    [Fact]
    public async Task Train_PrometheusPortTaken_Exit2NamingThePort()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var (code, error) = await Train($"Telemetry:PrometheusPort={port}");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains($"Telemetry:PrometheusPort {port}", error);
    }

    [Fact]
    public async Task Train_OtlpEndpointWithoutCollector_RunCompletesAnyway()
    {
        // Nothing listens there: export failures are the exporter's business, never the run's.
        var (code, _) = await Train("Telemetry:OtlpEndpoint=http://127.0.0.1:9;Telemetry:ExportIntervalSeconds=1");

        Assert.Equal(ExitCodes.Ok, code);
    }

    [Fact]
    public async Task Train_FakeRun_WritesStatusAndReportAtTheEnd()
    {
        var (code, _) = await Train("");

        Assert.Equal(ExitCodes.Ok, code);
        var h = Nnclr.Host.Status.RunHealth.Read(_runDir);
        Assert.Equal("completed", h.State);
        Assert.Equal(12, h.Status!.Step);
        Assert.True(File.Exists(Path.Combine(_runDir, RunDirectory.ReportFolder, "report.html")));
        Assert.True(File.Exists(Path.Combine(_runDir, RunDirectory.ReportFolder, "loss.png")));
    }
}
