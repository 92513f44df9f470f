using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Nnclr.Host.Configuration;

/// <summary>Section "Telemetry": opt-in export of the meters (nothing is exported by default).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Port of the Prometheus scrape endpoint (http://HOST:PORT/metrics); 0 = none.</summary>
    [Range(0, 65535, ErrorMessage = "Telemetry:PrometheusPort must be between {1} and {2} (0 = no endpoint)")]
    public int PrometheusPort { get; set; }

    /// <summary>Where the endpoint listens: "localhost" (default, this machine only) or "*" (every interface, e.g. in a container).</summary>
    [RegularExpression(@"^(\*|\+|[A-Za-z0-9][A-Za-z0-9.\-]*)$", ErrorMessage = "Telemetry:PrometheusHost must be a host name, an address, or * for every interface")]
    public string PrometheusHost { get; set; } = "localhost";

    /// <summary>OpenTelemetry collector to push metrics to over OTLP, e.g. http://collector:4317; "" = none.</summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary>OTLP transport: "grpc" (port 4317) or "http/protobuf" (port 4318, path /v1/metrics).</summary>
    [RegularExpression("^(grpc|http/protobuf)$", ErrorMessage = "Telemetry:OtlpProtocol must be grpc or http/protobuf")]
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>Seconds between OTLP pushes.</summary>
    [Range(1, 3600, ErrorMessage = "Telemetry:ExportIntervalSeconds must be between {1} and {2}")]
    public int ExportIntervalSeconds { get; set; } = 15;

    /// <summary>Binds and validates the section (unknown keys are errors); throws <see cref="ConfigurationException"/> naming the setting.</summary>
    public static TelemetryOptions Load(IConfiguration configuration)
    {
        var options = new TelemetryOptions();
        try { configuration.GetSection(Section).Bind(options, o => o.ErrorOnUnknownConfiguration = true); }
        catch (InvalidOperationException e) { throw new ConfigurationException(e.Message, e); }
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            throw new ConfigurationException(string.Join("; ", results.Select(r => r.ErrorMessage)));
        if (options.OtlpEndpoint.Length > 0
            && !(Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
            throw new ConfigurationException($"Telemetry:OtlpEndpoint must be an absolute http:// or https:// address (got '{options.OtlpEndpoint}')");
        return options;
    }
}
