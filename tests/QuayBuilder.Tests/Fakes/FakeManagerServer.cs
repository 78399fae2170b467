using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace QuayBuilder.Tests.Fakes;

/// <summary>
/// Hosts a <see cref="FakeBuildManager"/> on Kestrel, plaintext HTTP/2 on 127.0.0.1, on a free
/// port (or a given one, to restart a "manager" on the same address).
/// </summary>
public sealed class FakeManagerServer : IAsyncDisposable
{
    private WebApplication? _app;

    private FakeManagerServer(FakeBuildManager manager) => Manager = manager;

    public FakeBuildManager Manager { get; }

    public int Port { get; private set; }

    /// <summary>SERVER as the worker wants it: host:port.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public static async Task<FakeManagerServer> StartAsync(FakeBuildManager manager, int port = 0, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        var server = new FakeManagerServer(manager);
        await server.StartOnAsync(port, certificate);
        return server;
    }

    public async Task StopAsync()
    {
        if (_app is not null)
        {
            using (var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
            {
                await _app.StopAsync(stopping.Token);
            }

            await _app.DisposeAsync();
            _app = null;
        }
    }

    /// <summary>Starts again on the same port, with the same recorded state (a manager restart).</summary>
    public Task RestartAsync() => StartOnAsync(Port, null);

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task StartOnAsync(int port, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = FakeBuildManager.MaxReceiveMessageSize);
        builder.Services.AddSingleton(Manager);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });
        var app = builder.Build();
        app.MapGrpcService<FakeBuildManager>();
        await app.StartAsync();
        _app = app;
        var address = app.Urls.First();
        Port = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).Port;
    }
}
