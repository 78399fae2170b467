namespace QuayBuilder.Podman.Tests;

/// <summary>
/// The test run's one Podman service and registry (<see cref="TestServices"/>: QB_TEST_* when
/// set, otherwise scripts/services). Failing to get a working service fails every test of the
/// collection — never a skip.
/// </summary>
public sealed class PodmanFixture : IAsyncLifetime
{
    public string SocketPath { get; private set; } = string.Empty;

    /// <summary>host:port of the open (no auth) registry.</summary>
    public string Registry { get; private set; } = string.Empty;

    public string BaseImage { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var services = await TestServices.GetAsync();
        SocketPath = services.PodmanSocket;
        Registry = services.Registry;
        BaseImage = services.BaseImage;

        await using var client = new PodmanClient(SocketPath);
        await client.PingAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
