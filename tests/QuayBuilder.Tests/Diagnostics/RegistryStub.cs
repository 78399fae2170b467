using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace QuayBuilder.Tests.Diagnostics;

/// <summary>
/// An HTTPS endpoint on 127.0.0.1 that answers /v2/ the way a registry does without credentials
/// (401 with a Bearer challenge). The loopback docker-registry speaks plain HTTP only, and the
/// check asks https:// as the worker's registries always are.
/// </summary>
internal sealed class RegistryStub : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RegistryStub(WebApplication app, int port)
    {
        _app = app;
        Host = $"127.0.0.1:{port}";
    }

    /// <summary>REGISTRY_HOSTNAME for it.</summary>
    public string Host { get; }

    public static async Task<RegistryStub> StartAsync(X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        app.MapGet("/v2/", (HttpContext context) =>
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"https://127.0.0.1/v2/auth\",service=\"stub\"";
            return Results.StatusCode(StatusCodes.Status401Unauthorized);
        });
        await app.StartAsync();
        return new RegistryStub(app, new Uri(app.Urls.First()).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
