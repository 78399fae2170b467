using System.Net.Sockets;
using System.Text;

namespace QuayBuilder.Tests.Hosting;

/// <summary>
/// Plays systemd's side of sd_notify: a real AF_UNIX datagram socket that collects what the
/// notifier sends. Bound in a fresh temp directory (or the abstract namespace), so tests can run
/// in parallel.
/// </summary>
internal sealed class NotifySocketListener : IDisposable
{
    private readonly Socket _socket;
    private readonly string? _directory;

    private NotifySocketListener(Socket socket, string notifySocket, string? directory)
    {
        _socket = socket;
        NotifySocket = notifySocket;
        _directory = directory;
    }

    /// <summary>The value for NOTIFY_SOCKET.</summary>
    public string NotifySocket { get; }

    public static NotifySocketListener BindPath()
    {
        // sockaddr_un holds 108 bytes: keep the path short.
        var directory = Path.Combine(Path.GetTempPath(), "qbn-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "notify");
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return new NotifySocketListener(socket, path, directory);
    }

    public static NotifySocketListener BindAbstract()
    {
        var name = "quay-builder-test-" + Guid.NewGuid().ToString("N");
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint("\0" + name));
        return new NotifySocketListener(socket, "@" + name, null);
    }

    /// <summary>The next datagram, or null when none arrives within <paramref name="timeout"/>.</summary>
    public async Task<string?> ReceiveAsync(TimeSpan timeout)
    {
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var count = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return Encoding.UTF8.GetString(buffer, 0, count);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Every datagram received within <paramref name="window"/>, with when it arrived.</summary>
    public async Task<List<(TimeSpan At, string Message)>> CollectAsync(TimeSpan window)
    {
        var received = new List<(TimeSpan, string)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < window)
        {
            var message = await ReceiveAsync(window - clock.Elapsed);
            if (message is not null)
            {
                received.Add((clock.Elapsed, message));
            }
        }

        return received;
    }

    public void Dispose()
    {
        _socket.Dispose();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
