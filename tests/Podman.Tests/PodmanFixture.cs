namespace QuayBuilder.Podman.Tests;

/// <summary>
/// The shared Podman service and registry. Uses QB_TEST_PODMAN_SOCKET / QB_TEST_REGISTRY /
/// QB_TEST_BASE_IMAGE when set; otherwise runs scripts/services up with its own state dir and
/// port. Failing to get a working service fails every test of the collection — never a skip.
/// </summary>
public sealed class PodmanFixture : IAsyncLifetime
{
    internal const string StateDir = "/tmp/qb-test-podman";
    internal const int RegistryPort = 5001;

    public string SocketPath { get; private set; } = string.Empty;

    /// <summary>host:port of the open (no auth) registry.</summary>
    public string Registry { get; private set; } = string.Empty;

    public string BaseImage { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var socket = Environment.GetEnvironmentVariable("QB_TEST_PODMAN_SOCKET");
        if (!string.IsNullOrEmpty(socket))
        {
            SocketPath = socket;
            Registry = Environment.GetEnvironmentVariable("QB_TEST_REGISTRY")
                ?? throw new InvalidOperationException("QB_TEST_PODMAN_SOCKET is set but QB_TEST_REGISTRY is not");
            BaseImage = Environment.GetEnvironmentVariable("QB_TEST_BASE_IMAGE")
                ?? throw new InvalidOperationException("QB_TEST_PODMAN_SOCKET is set but QB_TEST_BASE_IMAGE is not");
        }
        else
        {
            var script = Path.Combine(TestEnvironment.RepoRoot(), "scripts", "services");
            var output = await Command.RunCheckedAsync(script, ["up"], new Dictionary<string, string>
            {
                ["QB_STATE"] = StateDir,
                ["QB_REGISTRY_PORT"] = RegistryPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split('=', 2))
                .Where(pair => pair.Length == 2)
                .ToDictionary(pair => pair[0].Trim(), pair => pair[1].Trim());
            SocketPath = values["QB_TEST_PODMAN_SOCKET"];
            Registry = values["QB_TEST_REGISTRY"];
            BaseImage = values["QB_TEST_BASE_IMAGE"];
        }

        await using var client = new PodmanClient(SocketPath);
        await client.PingAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
