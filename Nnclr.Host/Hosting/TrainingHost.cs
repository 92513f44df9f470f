using Nnclr.Data;
using Nnclr.Model;
using System.Collections;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Nnclr.Host.Configuration;
using Nnclr.Host.Telemetry;
using Nnclr.Pipeline.Session;

namespace Nnclr.Host.Hosting;

/// <summary>
/// Entry point for `nnclr train`: builds the Microsoft.Extensions.Hosting host (layered configuration,
/// validated options, console logging, console lifetime for SIGTERM/Ctrl-C), runs the training service and
/// returns the exit code (<see cref="ExitCodes"/>). The train command parses <see cref="TrainFlags"/> and
/// supplies the factory that builds the Data/Model ports from the resolved configuration.
/// </summary>
public static class TrainingHost
{
    /// <summary>As the other overload, for ports that log through the host's own <see cref="ILoggerFactory"/>.</summary>
    public static Task<int> RunAsync(TrainFlags flags, Func<TrainingConfig, ILoggerFactory, ITrainingPorts> portsFactory,
        CancellationToken cancel = default, IDictionary? environment = null, TextWriter? error = null) =>
        RunAsync(flags, (Func<TrainingConfig, ITrainingPorts>)(_ => throw new InvalidOperationException("unreachable")), cancel, environment, error, portsFactory);

    /// <summary>Runs a training host to completion. <paramref name="cancel"/> acts like SIGTERM.</summary>
    /// <param name="environment">Variables to read NNCLR_* settings from; null = the process environment.</param>
    /// <param name="error">Where configuration errors go; null = stderr.</param>
    public static Task<int> RunAsync(TrainFlags flags, Func<TrainingConfig, ITrainingPorts> portsFactory,
        CancellationToken cancel = default, IDictionary? environment = null, TextWriter? error = null) =>
        RunAsync(flags, portsFactory, cancel, environment, error, null);

    private static async Task<int> RunAsync(TrainFlags flags, Func<TrainingConfig, ITrainingPorts> portsFactory,
        CancellationToken cancel, IDictionary? environment, TextWriter? error, Func<TrainingConfig, ILoggerFactory, ITrainingPorts>? loggingFactory)
    {
        error ??= Console.Error;
        IHost host;
        try { host = Build(flags, portsFactory, environment, error, loggingFactory); }
        catch (ConfigurationException e)
        {
            foreach (var line in e.Message.Split('\n')) error.WriteLine($"nnclr train: {line}");
            return ExitCodes.Usage;
        }
        using (host)
        {
            // The run directory: locked for the run's life (a second train there is refused at once), then refused when
            // it holds another run, unless --resume (matching) or --force (moved aside).
            FolderLock runLock;
            try { runLock = new RunDirectory(host.Services.GetRequiredService<ResolvedConfig>().RunDir).Lock("nnclr train"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"nnclr train: {e.Message}");
                return ExitCodes.RunFailed;
            }
            using var held = runLock;
            try
            {
                // Data parallel: rank 0 alone owns the run directory (the others never move, create nor check its files).
                if (Nnclr.Model.Distributed.LaunchInfo.Current.Rank == 0
                    && RunDirectoryGuard.Check(host.Services.GetRequiredService<ResolvedConfig>(), flags.Force, flags.AllowConfigChange) is { } moved)
                    error.WriteLine($"nnclr train: --force: moved the previous run's files to {moved}");
            }
            catch (Exception e) when (e is ConfigurationException or IOException or UnauthorizedAccessException)
            {
                foreach (var line in e.Message.Split('\n')) error.WriteLine($"nnclr train: {line}");
                return e is ConfigurationException ? ExitCodes.Usage : ExitCodes.RunFailed;
            }
            var outcome = host.Services.GetRequiredService<RunOutcome>();
            try { await host.RunAsync(cancel); }
            catch (Exception e) when (NnclrConfiguration.Describe(e) is { } message)
            {
                foreach (var line in message.Split('\n')) error.WriteLine($"nnclr train: {line}");
                return ExitCodes.Usage;
            }
            if (outcome.ExitCode == ExitCodes.Usage && outcome.Error is not null) error.WriteLine($"nnclr train: {outcome.Error}");
            return outcome.ExitCode;
        }
    }

    /// <summary>Run:LogFormat "json", or "auto" (the default) with stdout not a terminal, as for a daemon.</summary>
    public static bool UseJsonLogs(string? format) => format == "json" || ((format ?? "auto") == "auto" && Console.IsOutputRedirected);

    /// <summary>Builds (does not start) the host; options are validated when it starts.</summary>
    internal static IHost Build(TrainFlags flags, Func<TrainingConfig, ITrainingPorts> portsFactory, IDictionary? environment, TextWriter? error = null,
        Func<TrainingConfig, ILoggerFactory, ITrainingPorts>? loggingFactory = null)
    {
        var configuration = NnclrConfiguration.Load(flags, environment);
        // Validated here, before the host exists, so a bad value is one line per problem and never a Hosting stack trace;
        // the device too (a GPU preset where CUDA does not load), so config.resolved.json can name the one resolved.
        NnclrConfiguration.Validate(configuration).ResolveDevice();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ApplicationName = "nnclr",
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        builder.Configuration.AddConfiguration(configuration);
        builder.Services.AddNnclrOptions(configuration);
        var telemetry = TelemetryOptions.Load(configuration);
        // Under systemd (Type=notify) READY=1 is sent once started and STOPPING=1 on stop; elsewhere a no-op. Registered
        // before the logging set-up so that the log format chosen below wins over systemd's console format.
        builder.Services.AddSystemd();
        SystemdNotify.AddWhenNotifySocket(builder.Services);
        bool json = UseJsonLogs(configuration["Run:LogFormat"]);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        if (json) builder.Logging.AddConsole(o => o.FormatterName = JsonLineFormatter.Name).AddConsoleFormatter<JsonLineFormatter, ConsoleFormatterOptions>();
        else builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; o.ColorBehavior = LoggerColorBehavior.Default; });
        int timeout = int.TryParse(configuration["Run:ShutdownTimeoutSeconds"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var t) && t > 0 ? t : 120;
        builder.Services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(timeout);
            o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
        });
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddSingleton<RunOutcome>();
        builder.Services.AddNnclrTelemetry(telemetry); // before the training service: the endpoint is up before the first step
        builder.Services.AddSingleton(sp => new TrainingRun(sp.GetRequiredService<ResolvedConfig>() with { AllowedChanges = flags.AllowConfigChange },
            loggingFactory is null ? portsFactory : cfg => loggingFactory(cfg, sp.GetRequiredService<ILoggerFactory>()),
            sp.GetRequiredService<ILogger<TrainingRun>>(), json || Console.IsErrorRedirected ? null : Console.Error, error));
        builder.Services.AddHostedService<TrainingService>();
        var host = builder.Build();
        try { TelemetryExport.StartExporters(host.Services, telemetry); }
        catch
        {
            host.Dispose();
            throw;
        }
        return host;
    }
}
