using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace QuayBuilder.BuildContext.Tests.Packages;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (one request per connection) whose answers the
/// test scripts byte by byte, so it can also stall, truncate or fail on purpose.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<int, Stream, CancellationToken, Task> _respond;
    private readonly SslStreamCertificateContext? _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _requests;

    /// <param name="respond">Writes the whole response for request number n (1-based) to the connection.</param>
    /// <param name="certificate">When given, the server speaks HTTPS with this certificate.</param>
    /// <param name="intermediates">CAs the server sends after its certificate (its chain), as a real server does.</param>
    public LoopbackHttpServer(Func<int, Stream, CancellationToken, Task> respond, X509Certificate2? certificate = null, X509Certificate2Collection? intermediates = null)
    {
        _respond = respond;
        _certificate = certificate is null ? null : SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public int Requests => Volatile.Read(ref _requests);

    public Uri Url(string pathAndQuery = "/package?X-Amz-Signature=topsecretsignature") =>
        new($"{(_certificate is null ? "http" : "https")}://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{pathAndQuery}");

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

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
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
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                Stream stream = client.GetStream();
                if (_certificate is not null)
                {
                    var tls = new SslStream(stream);
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = _certificate });
                    stream = tls;
                }

                await ReadRequestHeadAsync(stream);
                var n = Interlocked.Increment(ref _requests);
                await _respond(n, stream, _stop.Token);
                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException
                                      or System.Security.Authentication.AuthenticationException)
            {
                // The client went away (it gave up, as some tests want it to).
            }
        }
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
