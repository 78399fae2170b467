using System.Diagnostics;

namespace QuayBuilder.Podman.Tests;

public sealed class ContainerSocketTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qb-sock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("unix:///run/podman/podman.sock", "/run/podman/podman.sock")]
    [InlineData("unix:/var/run/podman.sock", "/var/run/podman.sock")]
    [InlineData("  unix:///tmp/x.sock  ", "/tmp/x.sock")]
    public void ParseDockerHost_WhenUnixForm_ReturnsPath(string host, string expected)
    {
        Assert.Equal(expected, ContainerSocket.ParseDockerHost(host));
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:2375")]
    [InlineData("/run/podman/podman.sock")]
    [InlineData("unix://relative.sock")]
    [InlineData("unix:")]
    public void ParseDockerHost_WhenNotAUnixSocketPath_ThrowsSayingWhatToSet(string host)
    {
        var e = Assert.Throws<ArgumentException>(() => ContainerSocket.ParseDockerHost(host));

        Assert.Contains("unix:///path/to/podman.sock", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Candidates_WhenEverythingSet_FollowTheDocumentedOrder()
    {
        var candidates = ContainerSocket.Candidates("unix:/custom/podman.sock", "/run/user/1000", 1000);

        Assert.Equal(
            [
                "/custom/podman.sock",
                "/run/user/1000/podman/podman.sock",
                "/run/podman/podman.sock",
                "/tmp/storage-run-1000/podman/podman.sock",
                "/tmp/podman-run-1000/podman/podman.sock",
            ],
            candidates);
    }

    [Fact]
    public void Candidates_WhenNoDockerHostNorXdg_StartWithRootSocket()
    {
        var candidates = ContainerSocket.Candidates(null, null, 0);

        Assert.Equal("/run/podman/podman.sock", candidates[0]);
        Assert.Equal(3, candidates.Count);
    }

    [Fact]
    public async Task Discover_WhenSeveralAnswer_ReturnsFirstAnsweringInOrder()
    {
        var dead = Path.Combine(_dir, "dead.sock");
        await File.WriteAllTextAsync(dead, "not a socket");
        var second = Path.Combine(_dir, "second.sock");
        var third = Path.Combine(_dir, "third.sock");
        await using var secondServer = PingSocketServer.Start(second);
        await using var thirdServer = PingSocketServer.Start(third);

        var found = await ContainerSocket.DiscoverAsync(
            [Path.Combine(_dir, "missing.sock"), dead, second, third], TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(second, found);
    }

    [Fact]
    public async Task Discover_WhenSocketAppearsLate_WaitsForIt()
    {
        var late = Path.Combine(_dir, "late.sock");
        var discovery = ContainerSocket.DiscoverAsync([late], TimeSpan.FromSeconds(10), CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await using var server = PingSocketServer.Start(late);

        Assert.Equal(late, await discovery);
    }

    [Fact]
    public async Task Discover_WhenNothingAnswers_ReturnsNullAfterTheWait()
    {
        var watch = Stopwatch.StartNew();

        var found = await ContainerSocket.DiscoverAsync([Path.Combine(_dir, "none.sock")], TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Null(found);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Discover_WhenDockerHostGiven_PrefersItOverDefaults()
    {
        var custom = Path.Combine(_dir, "custom.sock");
        await using var server = PingSocketServer.Start(custom);

        var found = await ContainerSocket.DiscoverAsync($"unix://{custom}", TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(custom, found);
    }
}
