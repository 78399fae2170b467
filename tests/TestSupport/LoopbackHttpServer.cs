using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace QuayBuilder.TestSupport;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (one request per connection) whose answers the
/// test scripts byte by byte, so it can also stall, truncate or fail on purpose.
/// </summary>
public sealed class LoopbackHttpServer : LoopbackServer
{
    private readonly Func<int, Stream, CancellationToken, Task> _respond;
    private readonly SslStreamCertificateContext? _certificate;
    private int _requests;

    /// <param name="respond">Writes the whole response for request number n (1-based) to the connection.</param>
    /// <param name="certificate">When given, the server speaks HTTPS with this certificate.</param>
    /// <param name="intermediates">CAs the server sends after its certificate (its chain), as a real server does.</param>
    public LoopbackHttpServer(Func<int, Stream, CancellationToken, Task> respond, X509Certificate2? certificate = null, X509Certificate2Collection? intermediates = null)
    {
        _respond = respond;
        _certificate = certificate is null ? null : SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
        StartAccepting();
    }

    public int Requests => Volatile.Read(ref _requests);

    public Uri Url(string pathAndQuery = "/package?X-Amz-Signature=topsecretsignature") =>
        new($"{(_certificate is null ? "http" : "https")}://127.0.0.1:{Port}{pathAndQuery}");

    public static LoopbackHttpServer Serving(byte[] body, string contentType = "application/octet-stream") =>
        new((_, stream, ct) => WriteResponseAsync(stream, 200, contentType, body, ct));

    public static LoopbackHttpServer Answering(int status) =>
        new((_, stream, ct) => WriteResponseAsync(stream, status, "text/plain", Encoding.UTF8.GetBytes("no\n"), ct));

    public static async Task WriteResponseAsync(Stream stream, int status, string contentType, byte[] body, CancellationToken ct)
    {
        var head = $"HTTP/1.1 {status} X\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
        await stream.WriteAsync(body, ct);
    }

    protected override async Task ServeAsync(Socket connection, CancellationToken cancellationToken)
    {
        await using var network = new NetworkStream(connection, ownsSocket: false);
        Stream stream = network;
        if (_certificate is not null)
        {
            // Not disposed, as before: the connection just closes, without a TLS close_notify.
            var tls = new SslStream(network);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = _certificate }, cancellationToken);
            stream = tls;
        }

        await ReadRequestHeadAsync(stream);
        var n = Interlocked.Increment(ref _requests);
        await _respond(n, stream, cancellationToken);
        connection.Shutdown(SocketShutdown.Send);
    }

    private static async Task ReadRequestHeadAsync(Stream stream)
    {
        var seen = new List<byte>();
        var one = new byte[1];
        while (await stream.ReadAsync(one) == 1)
        {
            seen.Add(one[0]);
            if (seen.Count >= 4 && seen[^1] == '\n' && seen[^2] == '\r' && seen[^3] == '\n' && seen[^4] == '\r')
            {
                return;
            }
        }
    }
}
