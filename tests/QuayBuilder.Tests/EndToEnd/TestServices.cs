using System.Net.Sockets;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>
/// The real services the end-to-end tests use: a Podman REST service, a registry on loopback and
/// an offline base image, started by scripts/services (idempotent) unless QB_TEST_PODMAN_SOCKET
/// names running ones. Under CI=true a service that cannot be had fails the test; it never skips.
/// </summary>
public sealed class TestServices
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static TestServices? _instance;

    private TestServices(string podmanSocket, string registry, string baseImage)
    {
        PodmanSocket = podmanSocket;
        Registry = registry;
        BaseImage = baseImage;
    }

    public string PodmanSocket { get; }

    /// <summary>host:port of the plain-HTTP registry.</summary>
    public string Registry { get; }

    /// <summary>The offline busybox image in that registry.</summary>
    public string BaseImage { get; }

    public static async Task<TestServices> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _instance ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<TestServices> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("QB_TEST_PODMAN_SOCKET") is { Length: > 0 } socket)
        {
            return new TestServices(
                socket,
                Environment.GetEnvironmentVariable("QB_TEST_REGISTRY") ?? "127.0.0.1:5000",
                Environment.GetEnvironmentVariable("QB_TEST_BASE_IMAGE") ?? "127.0.0.1:5000/library/busybox:latest");
        }

        var script = Path.Combine(RepositoryRoot.Path, "scripts", "services");
        var result = await ProcessRunner.RunAsync(script, ["up"], new Dictionary<string, string?>
        {
            ["QB_STATE"] = "/tmp/qb-test-e2e",
            ["QB_REGISTRY_PORT"] = "5002",
        }, TimeSpan.FromMinutes(3));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/services up failed; the end-to-end tests need Podman and docker-registry (run scripts/prereqs). {result}");
        }

        var values = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2 && parts[0].StartsWith("QB_TEST_", StringComparison.Ordinal))
            .ToDictionary(parts => parts[0], parts => parts[1].Trim());
        var services = new TestServices(values["QB_TEST_PODMAN_SOCKET"], values["QB_TEST_REGISTRY"], values["QB_TEST_BASE_IMAGE"]);
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await probe.ConnectAsync(new UnixDomainSocketEndPoint(services.PodmanSocket));
        return services;
    }
}
