using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace QuayBuilder.Tests.Build;

/// <summary>
/// A real nginx in front of the test registry that passes everything a plain push does (blobs,
/// manifest PUT by tag) but refuses a manifest PUT by digest with 403: a registry that takes the
/// image and not the layer cache's extra manifests.
/// </summary>
internal sealed class RefusingRegistryFront : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private RefusingRegistryFront(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Address = $"127.0.0.1:{port}";
    }

    /// <summary>host:port to use as the build's registry.</summary>
    public string Address { get; }

    public string AccessLog => File.Exists(Path.Join(_directory, "access.log")) ? File.ReadAllText(Path.Join(_directory, "access.log")) : string.Empty;

    public static async Task<RefusingRegistryFront> StartAsync(string registry)
    {
        var nginx = new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nginx is not installed: run scripts/prereqs (it installs Debian's nginx-light).");
        var directory = Directory.CreateTempSubdirectory("qb-nginx-registry-").FullName;
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var user = Environment.UserName == "root" ? "user root;" : string.Empty;
        await File.WriteAllTextAsync(Path.Join(directory, "nginx.conf"), $$"""
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
                server {
                    listen 127.0.0.1:{{port}};
                    client_max_body_size 0;
                    proxy_http_version 1.1;
                    proxy_request_buffering off;
                    proxy_buffering off;
                    proxy_set_header Host $http_host;
                    location ~ ^/v2/.+/manifests/sha256: {
                        limit_except GET HEAD { deny all; }
                        proxy_pass http://{{registry}};
                    }
                    location / {
                        proxy_pass http://{{registry}};
                    }
                }
            }
            """);

        var info = new ProcessStartInfo(nginx) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-p", directory, "-c", Path.Join(directory, "nginx.conf"), "-e", Path.Join(directory, "error.log") })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("nginx did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var front = new RefusingRegistryFront(process, directory, port);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                var log = File.Exists(Path.Join(directory, "error.log")) ? await File.ReadAllTextAsync(Path.Join(directory, "error.log")) : string.Empty;
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
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
