using System.Net;
using System.Net.Sockets;
using System.Text;

namespace QuayBuilder.Podman.Tests;

/// <summary>
/// A loopback TCP proxy in front of a registry that, while <see cref="FailWith"/> is set,
/// answers every request with that HTTP status instead of forwarding it.
/// </summary>
internal sealed class FaultyRegistryProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _failed;

    internal FaultyRegistryProxy(IPEndPoint upstream)
    {
        _upstream = upstream;
        _listener.Start();
        _loop = AcceptAsync();
    }

    internal int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>e.g. "503 Service Unavailable"; null forwards everything.</summary>
    internal volatile string? FailWith;

    internal string? RetryAfter { get; set; }

    internal int FailedRequests => Volatile.Read(ref _failed);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            if (FailWith is { } status)
            {
                var buffer = new byte[8192];
                var head = new StringBuilder();
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await stream.ReadAsync(buffer);
                    if (n == 0)
                    {
                        return;
                    }

                    head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                Interlocked.Increment(ref _failed);
                var retryAfter = RetryAfter is null ? string.Empty : $"Retry-After: {RetryAfter}\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 {status}\r\n{retryAfter}Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"));
                return;
            }

            using var upstream = new TcpClient();
            await upstream.ConnectAsync(_upstream);
            var upstreamStream = upstream.GetStream();
            var up = stream.CopyToAsync(upstreamStream);
            var down = upstreamStream.CopyToAsync(stream);
            await Task.WhenAny(up, down);
            client.Client.Shutdown(SocketShutdown.Both);
            upstream.Client.Shutdown(SocketShutdown.Both);
        }
    }
}
