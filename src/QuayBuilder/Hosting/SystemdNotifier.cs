using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using QuayBuilder.Logging;

namespace QuayBuilder.Hosting;

/// <summary>
/// sd_notify for a Type=notify unit: READY=1, STATUS=…, STOPPING=1, and WATCHDOG=1 every half of
/// WATCHDOG_USEC. Does nothing at all when NOTIFY_SOCKET is not set (not under systemd, or a unit
/// of another type), so the same code runs under systemd, in the container image and in tests.
/// </summary>
/// <remarks>
/// The protocol is one datagram of newline-separated KEY=VALUE assignments to the AF_UNIX socket
/// named by NOTIFY_SOCKET ('@' at the start means the abstract namespace); written here directly
/// rather than through Microsoft.Extensions.Hosting.Systemd — see docs/adr/0006-systemd-notify.md.
/// Invariants: every datagram is sent under one lock, so READY/STATUS/STOPPING arrive in call
/// order; the socket is non-blocking, so a stalled systemd can never stall the build (a datagram
/// that cannot be queued is dropped and logged at debug level); a STATUS text is one line with
/// secrets masked, because a newline would start a new assignment and systemctl status is as
/// public as the journal.
/// </remarks>
internal sealed class SystemdNotifier : IServiceNotifier, IDisposable
{
    /// <summary>
    /// At most one STATUS per this interval; a newer text waits and replaces older waiting ones,
    /// so the latest always arrives. A fast build prints many steps a second and systemd only
    /// shows the last anyway.
    /// </summary>
    internal static readonly TimeSpan DefaultStatusInterval = TimeSpan.FromSeconds(1);

    // systemctl status shows one line; beyond this the text only wraps and costs journal space.
    internal const int MaxStatusLength = 200;

    private readonly Lock _gate = new();
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endpoint;
    private readonly string _socketName = string.Empty;
    private readonly SecretMasker _masker;
    private readonly ILogger? _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _statusInterval;
    private readonly ITimer? _watchdogTimer;
    private readonly ITimer? _statusTimer;

    private string? _lastStatus;
    private string? _pendingStatus;
    private long _lastStatusTimestamp;
    private bool _disposed;

    public SystemdNotifier(
        SystemdEnvironment environment,
        SecretMasker masker,
        ILogger? logger = null,
        TimeProvider? timeProvider = null,
        TimeSpan? statusInterval = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(masker);
        _masker = masker;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _statusInterval = statusInterval ?? DefaultStatusInterval;

        var endpoint = CreateEndPoint(environment.NotifySocket);
        if (endpoint is null)
        {
            if (!string.IsNullOrEmpty(environment.NotifySocket) && _logger is not null)
            {
                HostingLog.NotifySocketUnsupported(_logger, environment.NotifySocket);
            }

            return;
        }

        _endpoint = endpoint;
        _socketName = environment.NotifySocket!;
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { Blocking = false };
        _statusTimer = _time.CreateTimer(_ => FlushPendingStatus(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        WatchdogInterval = GetWatchdogInterval(environment, Environment.ProcessId);
        if (WatchdogInterval is { } interval)
        {
            _watchdogTimer = _time.CreateTimer(_ => Send("WATCHDOG=1"), null, interval, interval);
        }
    }

    /// <summary>True when NOTIFY_SOCKET named a socket we can send to.</summary>
    public bool IsEnabled => _socket is not null;

    /// <summary>How often WATCHDOG=1 is sent: half of WATCHDOG_USEC; null when no watchdog applies to us.</summary>
    public TimeSpan? WatchdogInterval { get; }

    public void Ready()
    {
        lock (_gate)
        {
            // Whatever the status says should be visible by the time the unit turns active.
            SendPendingStatusLocked();
            SendLocked("READY=1");
        }
    }

    public void Status(string status)
    {
        if (!IsEnabled)
        {
            return;
        }

        var text = ToStatusLine(_masker.Apply(status));
        lock (_gate)
        {
            if (_disposed || text == (_pendingStatus ?? _lastStatus))
            {
                return;
            }

            if (text == _lastStatus)
            {
                // A → B → A within one interval: what systemd shows is already right.
                _pendingStatus = null;
                return;
            }

            var sinceLast = _lastStatus is null ? TimeSpan.MaxValue : _time.GetElapsedTime(_lastStatusTimestamp);
            if (sinceLast >= _statusInterval)
            {
                SendStatusLocked(text);
                return;
            }

            var scheduled = _pendingStatus is not null;
            _pendingStatus = text;
            if (!scheduled)
            {
                _statusTimer!.Change(_statusInterval - sinceLast, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Stopping()
    {
        lock (_gate)
        {
            SendPendingStatusLocked();
            SendLocked("STOPPING=1");
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _watchdogTimer?.Dispose();
        _statusTimer?.Dispose();
        _socket?.Dispose();
    }

    /// <summary>
    /// Half of WATCHDOG_USEC, as sd_watchdog_enabled() advises; null when it is unset, not a
    /// positive number, or WATCHDOG_PID names another process (the variable was inherited).
    /// </summary>
    internal static TimeSpan? GetWatchdogInterval(SystemdEnvironment environment, int processId)
    {
        if (!ulong.TryParse(environment.WatchdogUsec, NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec == 0)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(environment.WatchdogPid)
            && (!int.TryParse(environment.WatchdogPid, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid != processId))
        {
            return null;
        }

        // TimeSpan ticks are 100 ns; clamp absurd values rather than overflow.
        var halfTicks = (long)Math.Min(usec / 2 * 10, (ulong)TimeSpan.FromDays(1).Ticks);
        return TimeSpan.FromTicks(Math.Max(halfTicks, TimeSpan.TicksPerMillisecond));
    }

    /// <summary>One printable line: control characters (newlines above all) become spaces, long text is cut.</summary>
    internal static string ToStatusLine(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxStatusLength + 1));
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
            if (builder.Length > MaxStatusLength)
            {
                builder.Length = MaxStatusLength - 1;
                builder.Append('…');
                break;
            }
        }

        return builder.ToString().Trim();
    }

    private static UnixDomainSocketEndPoint? CreateEndPoint(string? notifySocket)
    {
        if (string.IsNullOrEmpty(notifySocket))
        {
            return null;
        }

        // '@' is systemd's spelling of a leading NUL: a Linux abstract-namespace socket.
        if (notifySocket[0] == '@')
        {
            return notifySocket.Length > 1 ? new UnixDomainSocketEndPoint("\0" + notifySocket[1..]) : null;
        }

        // systemd ≥ 254 may also hand out "vsock:…" addresses (for VMs); a worker is never started that way.
        return notifySocket[0] == '/' ? new UnixDomainSocketEndPoint(notifySocket) : null;
    }

    private void FlushPendingStatus()
    {
        lock (_gate)
        {
            SendPendingStatusLocked();
        }
    }

    private void SendPendingStatusLocked()
    {
        if (_pendingStatus is { } pending)
        {
            SendStatusLocked(pending);
        }
    }

    private void SendStatusLocked(string text)
    {
        _pendingStatus = null;
        _lastStatus = text;
        _lastStatusTimestamp = _time.GetTimestamp();
        SendLocked("STATUS=" + text);
    }

    private void Send(string message)
    {
        lock (_gate)
        {
            SendLocked(message);
        }
    }

    private void SendLocked(string message)
    {
        if (_socket is null || _disposed)
        {
            return;
        }

        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(message), _endpoint!);
        }
        catch (SocketException ex)
        {
            // systemd gone, or its queue full: the build matters more than the status line.
            if (_logger is not null)
            {
                HostingLog.NotifyFailed(_logger, message, _socketName, ex.SocketErrorCode);
            }
        }
    }
}
