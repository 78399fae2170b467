using System.Net;
using System.Net.Sockets;
using System.Text;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>The HTTP origin behind <see cref="ForwardProxy"/>: on 127.0.0.2, it answers every request with <see cref="ForwardProxy.OriginAnswer"/>.</summary>
internal sealed class ProxyOrigin : LoopbackServer
{
    public ProxyOrigin()
        : base(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0))
    {
        StartAccepting();
    }

    protected override async Task ServeAsync(Socket connection, CancellationToken cancellationToken)
    {
        await using var stream = new NetworkStream(connection, ownsSocket: false);
        var buffer = new byte[4096];
        _ = await stream.ReadAsync(buffer, cancellationToken);
        var body = ForwardProxy.OriginAnswer + "\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), cancellationToken);
    }
}
