using System.Net.Sockets;

namespace QuayBuilder.TestSupport;

/// <summary>
/// The one Podman REST service, loopback registry and offline base image of a test run. Uses
/// QB_TEST_PODMAN_SOCKET / QB_TEST_REGISTRY / QB_TEST_BASE_IMAGE when set (scripts/test sets
/// them, and stops the service it started at the end); otherwise starts them once with
/// scripts/services (idempotent, state <see cref="DefaultState"/>, registry port
/// <see cref="DefaultRegistryPort"/>), serialised with flock because the test projects run as
/// parallel processes. Under CI=true a service that cannot be had fails the test; it never skips.
/// </summary>
public sealed class TestServices
{
    /// <summary>scripts/services state of the service the tests start themselves when not given one.</summary>
    public const string DefaultState = "/tmp/qb-test-services";

    public const int DefaultRegistryPort = 5001;

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static TestServices? _instance;

    private TestServices(string podmanSocket, string registry, string baseImage)
    {
        PodmanSocket = podmanSocket;
        Registry = registry;
        BaseImage = baseImage;
    }

    /// <summary>Path of the Podman service's unix socket.</summary>
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

    /// <summary>Starts a throwaway service of a test's own (one it will kill, say); stop it with <see cref="StopPrivateAsync"/>.</summary>
    public static async Task<TestServices> StartPrivateAsync(string state, int registryPort) =>
        Parse(await ServicesScriptAsync("up", state, registryPort));

    public static Task StopPrivateAsync(string state, int registryPort) => ServicesScriptAsync("down", state, registryPort);

    private static async Task<TestServices> StartAsync()
    {
        TestServices services;
        if (Environment.GetEnvironmentVariable("QB_TEST_PODMAN_SOCKET") is { Length: > 0 } socket)
        {
            services = new TestServices(
                socket,
                Environment.GetEnvironmentVariable("QB_TEST_REGISTRY")
                    ?? throw new InvalidOperationException("QB_TEST_PODMAN_SOCKET is set but QB_TEST_REGISTRY is not: export all three lines scripts/services env prints."),
                Environment.GetEnvironmentVariable("QB_TEST_BASE_IMAGE")
                    ?? throw new InvalidOperationException("QB_TEST_PODMAN_SOCKET is set but QB_TEST_BASE_IMAGE is not: export all three lines scripts/services env prints."));
        }
        else
        {
            services = Parse(await ServicesScriptAsync("up", DefaultState, DefaultRegistryPort));
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(services.PodmanSocket));
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"The test Podman service at {services.PodmanSocket} does not answer ({e.Message}): start it with scripts/services up.", e);
        }

        return services;
    }

    private static async Task<string> ServicesScriptAsync(string verb, string state, int registryPort)
    {
        // flock: two test processes asking for the same state at once must not both start a service.
        // --close: the services it starts must not inherit the lock and hold it for their lifetime.
        var result = await ProcessRunner.RunAsync("flock", ["--close", state + ".lock", RepositoryRoot.File("scripts", "services"), verb], new Dictionary<string, string?>
        {
            ["QB_STATE"] = state,
            ["QB_REGISTRY_PORT"] = registryPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, TimeSpan.FromMinutes(3));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/services {verb} (QB_STATE={state}) failed; the tests need Podman and docker-registry (run scripts/prereqs). {result}");
        }

        return result.Stdout;
    }

    private static TestServices Parse(string output)
    {
        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2 && parts[0].StartsWith("QB_TEST_", StringComparison.Ordinal))
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim());
        return new TestServices(values["QB_TEST_PODMAN_SOCKET"], values["QB_TEST_REGISTRY"], values["QB_TEST_BASE_IMAGE"]);
    }
}
