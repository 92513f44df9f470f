using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace Nnclr.Host.Hosting;

/// <summary>
/// `AddSystemd` switches to systemd's lifetime only when the parent process is systemd itself. A unit that starts nnclr
/// through a wrapper (`ExecStart=/bin/sh -c …`, a launcher script) still hands it NOTIFY_SOCKET for Type=notify: the
/// notify protocol's own signal. Then the systemd lifetime is used as well (READY=1 when started, STOPPING=1 on stop,
/// SIGTERM as the graceful stop).
/// </summary>
internal static class SystemdNotify
{
    /// <summary>The variable systemd sets for Type=notify services: the datagram socket to notify.</summary>
    public const string SocketVariable = "NOTIFY_SOCKET";

    public static void AddWhenNotifySocket(IServiceCollection services)
    {
        if (SystemdHelpers.IsSystemdService() || string.IsNullOrEmpty(Environment.GetEnvironmentVariable(SocketVariable))) return;
        services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
        services.AddSingleton<IHostLifetime, SystemdLifetime>();
    }
}
