using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Nnclr.Host.Configuration;
using Nnclr.Pipeline.Metrics;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Nnclr.Host.Telemetry;

/// <summary>
/// Registers the opt-in exporters of <see cref="TelemetryOptions"/> on one OpenTelemetry meter provider: a Prometheus
/// scrape endpoint (OpenTelemetry's stand-alone HttpListener exporter, http://HOST:PORT/metrics) and an OTLP push.
/// Only nnclr's two meters are exported.
/// </summary>
public static class TelemetryExport
{
    /// <summary>Meters exported: the training instruments and the stage instruments.</summary>
    public static readonly string[] Meters = [TrainingMeter.MeterName, PipelineMeter.MeterName];

    /// <summary>True when any exporter is configured.</summary>
    public static bool Enabled(TelemetryOptions options) => options.PrometheusPort > 0 || options.OtlpEndpoint.Length > 0;

    public static IServiceCollection AddNnclrTelemetry(this IServiceCollection services, TelemetryOptions options)
    {
        if (!Enabled(options)) return services;
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("nnclr", serviceVersion: RunFacts.Version, autoGenerateServiceInstanceId: true))
            .WithMetrics(m =>
        {
            m.AddMeter(Meters);
            if (options.PrometheusPort > 0)
            {
                m.AddPrometheusHttpListener(o =>
                {
                    o.Host = options.PrometheusHost;
                    o.Port = options.PrometheusPort;
                    o.ScrapeEndpointPath = "/metrics";
                    o.ScrapeResponseCacheDurationMilliseconds = 0; // every scrape sees the current values
                });
            }
            if (options.OtlpEndpoint.Length > 0)
            {
                m.AddOtlpExporter((exporter, reader) =>
                {
                    exporter.Endpoint = new Uri(options.OtlpEndpoint);
                    exporter.Protocol = options.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.ExportIntervalSeconds * 1000;
                    // Cumulative, as Prometheus-style back ends expect.
                    reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
                });
            }
        });
        return services;
    }

    /// <summary>
    /// Builds the meter provider now, so that a scrape port already in use is one configuration error (exit 2) naming
    /// the setting before any work starts, rather than an exception out of the host's start.
    /// </summary>
    public static void StartExporters(IServiceProvider services, TelemetryOptions options)
    {
        if (!Enabled(options)) return;
        try { services.GetService<MeterProvider>(); }
        catch (Exception e) when (Find<HttpListenerException>(e) is { } listen)
        {
            throw new ConfigurationException(
                $"Telemetry:PrometheusPort {options.PrometheusPort}: cannot listen on http://{options.PrometheusHost}:{options.PrometheusPort}/metrics: {listen.Message}", e);
        }
    }

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
            if (e is T t) return t;
        return null;
    }
}
