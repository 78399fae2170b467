using System.Net;
using System.Net.Sockets;
using System.Text;

namespace QuayBuilder.Podman.Tests;

/// <summary>
/// A loopback TCP proxy in front of a registry that, while <see cref="FailWith"/> is set,
/// answers every request with that HTTP status instead of forwarding it.
/// </summary>
internal sealed class FaultyRegistryProxy : LoopbackServer
{
    private readonly IPEndPoint _upstream;
    private int _failed;

    internal FaultyRegistryProxy(IPEndPoint upstream)
    {
        _upstream = upstream;
        StartAccepting();
    }

    /// <summary>e.g. "503 Service Unavailable"; null forwards everything.</summary>
    internal volatile string? FailWith;

    internal string? RetryAfter { get; set; }

    internal int FailedRequests => Volatile.Read(ref _failed);

    protected override async Task ServeAsync(Socket connection, CancellationToken cancellationToken)
    {
        await using var stream = new NetworkStream(connection, ownsSocket: false);
        if (FailWith is { } status)
        {
            var buffer = new byte[8192];
            var head = new StringBuilder();
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer, cancellationToken);
                if (n == 0)
                {
                    return;
                }

                head.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }

            Interlocked.Increment(ref _failed);
            var retryAfter = RetryAfter is null ? string.Empty : $"Retry-After: {RetryAfter}\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 {status}\r\n{retryAfter}Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"), cancellationToken);
            return;
        }

        using var upstream = new TcpClient();
        await upstream.ConnectAsync(_upstream, cancellationToken);
        var upstreamStream = upstream.GetStream();
        var up = stream.CopyToAsync(upstreamStream, cancellationToken);
        var down = upstreamStream.CopyToAsync(stream, cancellationToken);
        await Task.WhenAny(up, down);
        connection.Shutdown(SocketShutdown.Both);
        upstream.Client.Shutdown(SocketShutdown.Both);
    }
}
