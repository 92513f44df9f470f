using System.Net;
using Microsoft.Extensions.Hosting;
using Nnclr.Host.Configuration;
using Prometheus;

namespace Nnclr.Host.Telemetry;

/// <summary>
/// The Prometheus scrape endpoint, http://HOST:PORT/metrics, served by prometheus-net's stand-alone HttpListener server
/// for the host's lifetime. prometheus-net's meter adapter turns the <see cref="TelemetryExport.Meters"/> instruments
/// into Prometheus series (dots become underscores); its default registry adds process and .NET runtime series.
/// </summary>
internal sealed class PrometheusEndpoint(string host, int port) : IHostedService
{
    // Set once the process-wide default registry was configured (prometheus-net allows it only before first use).
    private static int _defaultsSuppressed;
    // The HTTP server; null until started.
    private MetricServer? _server;
    // The meter adapter publishing our meters into the default registry; disposed on stop.
    private IDisposable? _adapter;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Only nnclr's own meters (plus prometheus-net's process/runtime collectors): no other library's instruments.
        if (Interlocked.Exchange(ref _defaultsSuppressed, 1) == 0)
            Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressMeters = true });
        _adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            InstrumentFilterPredicate = i => Array.IndexOf(TelemetryExport.Meters, i.Meter.Name) >= 0,
        });
        var server = new MetricServer(host, port);
        try
        {
            server.Start();
            _server = server;
        }
        catch (HttpListenerException e)
        {
            server.Dispose();
            _adapter.Dispose();
            throw new ConfigurationException($"Telemetry:PrometheusPort {port}: cannot listen on http://{host}:{port}/metrics: {e.Message}", e);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null) await _server.StopAsync();
        _adapter?.Dispose();
    }
}
