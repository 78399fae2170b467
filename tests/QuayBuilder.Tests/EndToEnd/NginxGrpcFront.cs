using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

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
    private readonly Process _process;

    private NginxGrpcFront(Process process, string directory, int port, string certificatePath)
    {
        _process = process;
        Directory = directory;
        Port = port;
        CertificatePath = certificatePath;
    }

    public string Directory { get; }

    public int Port { get; }

    /// <summary>SERVER for the worker: host:port of nginx's TLS listener.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The self-signed certificate nginx serves, for TLS_CERT_PATH.</summary>
    public string CertificatePath { get; }

    public string ErrorLog => File.Exists(Path.Join(Directory, "error.log")) ? File.ReadAllText(Path.Join(Directory, "error.log")) : string.Empty;

    public static async Task<NginxGrpcFront> StartAsync(int managerPort, TimeSpan? grpcReadTimeout = null)
    {
        var nginx = new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nginx is not installed: run scripts/prereqs (it installs Debian's nginx-light).");
        var directory = System.IO.Directory.CreateTempSubdirectory("qb-nginx-").FullName;
        var certificate = Path.Join(directory, "cert.pem");
        var key = Path.Join(directory, "key.pem");
        var openssl = await ProcessRunner.RunAsync("openssl",
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", key, "-out", certificate], timeout: TimeSpan.FromSeconds(30));
        if (openssl.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl could not make a certificate: {openssl}");
        }

        int port = LoopbackPort.Free();
        var readTimeout = grpcReadTimeout is { } t ? $"grpc_read_timeout {t.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s;" : "# grpc_read_timeout: nginx's default, 60 s";
        var user = Environment.UserName == "root" ? "user root;" : string.Empty;
        File.WriteAllText(Path.Join(directory, "nginx.conf"), $$"""
            {{user}}
            daemon off;
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log info;
            events { worker_connections 256; }
            http {
                access_log {{directory}}/access.log;
                client_body_temp_path {{directory}}/client_body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;

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
            }
            """);

        var info = new ProcessStartInfo(nginx)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-p", directory, "-c", Path.Join(directory, "nginx.conf"), "-e", Path.Join(directory, "error.log") })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("nginx did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var front = new NginxGrpcFront(process, directory, port, certificate);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                var log = front.ErrorLog;
                await front.DisposeAsync();
                throw new InvalidOperationException($"nginx exited with {process.ExitCode} before it listened: {log}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return front;
            }
            catch (SocketException) when (watch.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGKILL for the master and its worker: nothing of nginx's needs to survive the test.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
