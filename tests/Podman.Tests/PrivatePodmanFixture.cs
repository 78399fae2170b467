using System.Globalization;
using System.Net;

namespace QuayBuilder.Podman.Tests;

/// <summary>
/// A Podman service of the tests' own (started with <see cref="PodmanService"/>) whose
/// registries.conf also trusts two more loopback registries: one with htpasswd auth, and a
/// <see cref="FaultyRegistryProxy"/> in front of the open registry. The shared service cannot
/// be used for these: its registries.conf lists only the open registry.
/// </summary>
public sealed class PrivatePodmanFixture : IAsyncLifetime
{
    internal const string Username = "qbuser";
    internal const string Password = "qb-private-pass-7f3a";

    private readonly PodmanFixture _shared = new();
    private readonly string _dir = Path.Combine("/tmp/qb-test-podman-private", Guid.NewGuid().ToString("N")[..8]);
    private System.Diagnostics.Process? _authRegistry;
    private PodmanService? _service;

    public string SocketPath => _service!.SocketPath;

    public string OpenRegistry => _shared.Registry;

    public string BaseImage => _shared.BaseImage;

    /// <summary>host:port of the registry that requires <see cref="Username"/>/<see cref="Password"/>.</summary>
    public string AuthRegistry { get; private set; } = string.Empty;

    internal FaultyRegistryProxy Proxy { get; private set; } = null!;

    /// <summary>host:port of <see cref="Proxy"/>.</summary>
    public string ProxyRegistry => $"127.0.0.1:{Proxy.Port}";

    public RegistryAuth Credentials { get; } = new(Username, Password);

    /// <summary>Two images only the auth registry holds.</summary>
    public string PrivateBase => $"{AuthRegistry}/private/busybox:latest";

    public string PrivateOther => $"{AuthRegistry}/private/other:v1";

    public async Task InitializeAsync()
    {
        await _shared.InitializeAsync();
        Directory.CreateDirectory(_dir);

        var authPort = LoopbackPort.Free();
        AuthRegistry = $"127.0.0.1:{authPort}";
        var htpasswd = await ProcessRunner.RunCheckedAsync("htpasswd", ["-Bbn", Username, Password]);
        await File.WriteAllTextAsync(Path.Combine(_dir, "htpasswd"), htpasswd.Trim() + "\n");
        var config = Path.Combine(_dir, "registry.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {_dir}/registry
            auth:
              htpasswd:
                realm: qb-test
                path: {_dir}/htpasswd
            http:
              addr: {AuthRegistry}

            """);
        _authRegistry = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("docker-registry")
        {
            ArgumentList = { "serve", config },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _authRegistry.OutputDataReceived += (_, _) => { };
        _authRegistry.ErrorDataReceived += (_, _) => { };
        _authRegistry.BeginOutputReadLine();
        _authRegistry.BeginErrorReadLine();
        await WaitForRegistryAsync(AuthRegistry, HttpStatusCode.Unauthorized);

        var openPort = int.Parse(OpenRegistry.Split(':')[1], CultureInfo.InvariantCulture);
        Proxy = new FaultyRegistryProxy(new IPEndPoint(IPAddress.Loopback, openPort));

        var options = PrivateServiceConfig.Write(_dir, [OpenRegistry, AuthRegistry, ProxyRegistry]);
        _service = await PodmanService.StartAsync(options, TimeSpan.FromSeconds(30), CancellationToken.None);

        // Seed the auth registry with two images, then leave the service's storage without them.
        await using var client = new PodmanClient(SocketPath);
        await client.PullAsync(BaseImage, null, _ => { }, CancellationToken.None);
        foreach (var target in new[] { PrivateBase, PrivateOther })
        {
            await client.PushAsync(BaseImage, target, Credentials, _ => { }, CancellationToken.None);
        }
    }

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        if (_authRegistry is { HasExited: false })
        {
            _authRegistry.Kill();
            await _authRegistry.WaitForExitAsync();
        }

        _authRegistry?.Dispose();
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }

        await PrivateServiceConfig.DeleteAsync(_dir);
    }

    private static async Task WaitForRegistryAsync(string registry, HttpStatusCode expected)
    {
        using var http = new HttpClient();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://{registry}/v2/"));
                if (response.StatusCode == expected)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"registry on {registry} did not come up");
    }
}
