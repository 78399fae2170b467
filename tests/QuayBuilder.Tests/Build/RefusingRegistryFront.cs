namespace QuayBuilder.Tests.Build;

/// <summary>
/// A real nginx in front of the test registry that passes everything a plain push does (blobs,
/// manifest PUT by tag) but refuses a manifest PUT by digest with 403: a registry that takes the
/// image and not the layer cache's extra manifests.
/// </summary>
internal sealed class RefusingRegistryFront : IAsyncDisposable
{
    private readonly NginxProcess _nginx;

    private RefusingRegistryFront(NginxProcess nginx) => _nginx = nginx;

    /// <summary>host:port to use as the build's registry.</summary>
    public string Address => $"127.0.0.1:{_nginx.Port}";

    public string AccessLog => _nginx.AccessLog;

    public static async Task<RefusingRegistryFront> StartAsync(string registry)
    {
        int port = LoopbackPort.Free();
        return new RefusingRegistryFront(await NginxProcess.StartAsync(NginxProcess.NewDirectory("qb-nginx-registry-"), port, $$"""
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
            """));
    }

    public ValueTask DisposeAsync() => _nginx.DisposeAsync();
}
