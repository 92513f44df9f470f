using Microsoft.Extensions.DependencyInjection;
using Nnclr.Host.Configuration;
using Nnclr.Pipeline.Metrics;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace Nnclr.Host.Telemetry;

/// <summary>Registers the opt-in exporters of <see cref="TelemetryOptions"/>: a Prometheus scrape endpoint and an OTLP push.</summary>
public static class TelemetryExport
{
    /// <summary>Meters exported: the training instruments and the stage instruments.</summary>
    public static readonly string[] Meters = [TrainingMeter.MeterName, PipelineMeter.MeterName];

    public static IServiceCollection AddNnclrTelemetry(this IServiceCollection services, TelemetryOptions options)
    {
        if (options.PrometheusPort > 0) services.AddHostedService(_ => new PrometheusEndpoint(options.PrometheusHost, options.PrometheusPort));
        if (options.OtlpEndpoint.Length > 0)
        {
            services.AddOpenTelemetry().WithMetrics(m => m
                .AddMeter(Meters)
                .AddOtlpExporter((exporter, reader) =>
                {
                    exporter.Endpoint = new Uri(options.OtlpEndpoint);
                    exporter.Protocol = options.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.ExportIntervalSeconds * 1000;
                    // Cumulative, as Prometheus-style back ends expect.
                    reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
                }));
        }
        return services;
    }
}
