using System.Net.Sockets;
using System.Text;

namespace QuayBuilder.Podman.Tests;

/// <summary>A fake runtime on a unix socket that answers every request with 200 "OK".</summary>
internal sealed class PingSocketServer : LoopbackServer
{
    private PingSocketServer(string path)
        : base(new UnixDomainSocketEndPoint(path))
    {
        StartAccepting();
    }

    internal static PingSocketServer Start(string path) => new(path);

    protected override async Task ServeAsync(Socket connection, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var received = new StringBuilder();
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var n = await connection.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                return;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        await connection.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK"), SocketFlags.None, cancellationToken);
    }
}
