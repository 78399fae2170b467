using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace QuayBuilder.Hosting;

/// <summary>The hosting code's own log events (source-generated: no boxing, no reflection).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Debug,
        Message = "Could not send '{Message}' to systemd's notify socket {Socket}: {Error}")]
    public static partial void NotifyFailed(ILogger logger, string message, string socket, SocketError error);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning,
        Message = "NOTIFY_SOCKET={Socket} is neither a path nor an abstract socket (@name); systemd will not see READY=1. Check the unit's Type= and NotifyAccess=")]
    public static partial void NotifySocketUnsupported(ILogger logger, string socket);
}
