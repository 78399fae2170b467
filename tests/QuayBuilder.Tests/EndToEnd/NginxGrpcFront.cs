using System.Globalization;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>
/// A real nginx in front of the fake manager, configured with the build manager's server block of
/// Quay's <c>conf/nginx/nginx.conf.jnj</c>: TLS and HTTP/2 on its own port, <c>client_header_timeout
/// 2h</c>, <c>client_body_timeout 2h</c>, <c>client_max_body_size 5M</c>, <c>grpc_pass</c> to the
/// manager. Quay sets no <c>grpc_read_timeout</c>, so nginx's default of 60 s applies; a test may
/// set a shorter one to stand in for it without waiting a minute. The certificate is a fresh
/// self-signed one from openssl; the worker trusts it through <c>TLS_CERT_PATH</c>.
/// </summary>
internal sealed class NginxGrpcFront : IAsyncDisposable
{
    private readonly NginxProcess _nginx;

    private NginxGrpcFront(NginxProcess nginx, string certificatePath)
    {
        _nginx = nginx;
        CertificatePath = certificatePath;
    }

    public int Port => _nginx.Port;

    /// <summary>SERVER for the worker: host:port of nginx's TLS listener.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The self-signed certificate nginx serves, for TLS_CERT_PATH.</summary>
    public string CertificatePath { get; }

    public string ErrorLog => _nginx.ErrorLog;

    public static async Task<NginxGrpcFront> StartAsync(int managerPort, TimeSpan? grpcReadTimeout = null)
    {
        var directory = NginxProcess.NewDirectory("qb-nginx-");
        var certificate = Path.Join(directory, "cert.pem");
        var key = Path.Join(directory, "key.pem");
        var openssl = await ProcessRunner.RunAsync("openssl",
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", key, "-out", certificate], timeout: TimeSpan.FromSeconds(30));
        if (openssl.ExitCode != 0)
        {
            Directory.Delete(directory, recursive: true);
            throw new InvalidOperationException($"openssl could not make a certificate: {openssl}");
        }

        int port = LoopbackPort.Free();
        var readTimeout = grpcReadTimeout is { } t ? $"grpc_read_timeout {t.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s;" : "# grpc_read_timeout: nginx's default, 60 s";
        var nginx = await NginxProcess.StartAsync(directory, port, $$"""
                # The build manager's server block of Quay's conf/nginx/nginx.conf.jnj.
                server {
                    server_name _;
                    ssl_certificate {{certificate}};
                    ssl_certificate_key {{key}};
                    listen 127.0.0.1:{{port}} ssl http2 default;

                    # Required for gRPC streaming of long running builds
                    client_header_timeout 2h;
                    client_body_timeout 2h;
                    client_max_body_size 5M;

                    location / {
                        grpc_pass grpc://127.0.0.1:{{managerPort}};
                        {{readTimeout}}
                    }
                }
            """);
        return new NginxGrpcFront(nginx, certificate);
    }

    public ValueTask DisposeAsync() => _nginx.DisposeAsync();
}
