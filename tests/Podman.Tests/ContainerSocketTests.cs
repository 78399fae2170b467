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
        var sockets = ContainerSocket.Create("unix:/custom/podman.sock", "/run/user/1000", 1000);

        // The README's order: DOCKER_HOST, then $XDG_RUNTIME_DIR, the rootful socket, and the two rootless fallbacks.
        Assert.Equal(
            [
                "/custom/podman.sock",
                "/run/user/1000/podman/podman.sock",
                "/run/podman/podman.sock",
                "/tmp/storage-run-1000/podman/podman.sock",
                "/tmp/podman-run-1000/podman/podman.sock",
            ],
            sockets.Candidates);
        Assert.Equal("/custom/podman.sock", sockets.Configured);
        Assert.Equal(sockets.Candidates.Skip(1), sockets.UsualPlaces);
    }

    [Fact]
    public void Candidates_WhenNoDockerHostNorXdg_StartWithRootSocket()
    {
        var sockets = ContainerSocket.Create(null, " ", 0);

        Assert.Null(sockets.Configured);
        Assert.Equal(["/run/podman/podman.sock", "/tmp/storage-run-0/podman/podman.sock", "/tmp/podman-run-0/podman/podman.sock"], sockets.Candidates);
    }

    [Fact]
    public void Candidates_WhenDockerHostIsAUsualPlace_TryItOnce()
    {
        var sockets = ContainerSocket.Create("unix:///run/podman/podman.sock", null, 0);

        Assert.Equal(["/run/podman/podman.sock", "/tmp/storage-run-0/podman/podman.sock", "/tmp/podman-run-0/podman/podman.sock"], sockets.Candidates);
    }

    [Fact]
    public void FromEnvironment_ReadsTheGivenEnvironmentNotTheProcesss()
    {
        var given = new Dictionary<string, string> { ["DOCKER_HOST"] = "unix:///given/podman.sock", ["XDG_RUNTIME_DIR"] = "/given-runtime" };

        var sockets = ContainerSocket.FromEnvironment(given.GetValueOrDefault);

        Assert.Equal("/given/podman.sock", sockets.Candidates[0]);
        Assert.Equal("/given-runtime/podman/podman.sock", sockets.Candidates[1]);
        Assert.Equal("/run/podman/podman.sock", ContainerSocket.FromEnvironment(_ => null).Candidates[0]);
    }

    [Fact]
    public void FromEnvironment_WhenDockerHostIsTcp_Refuses() =>
        Assert.Throws<ArgumentException>(() => ContainerSocket.FromEnvironment(name => name == "DOCKER_HOST" ? "tcp://127.0.0.1:2375" : null));

    [Theory]
    [InlineData("unix:///tmp/podman-run-1000/podman/podman.sock", "/run/user/1000", "/tmp/podman-run-1000/podman/podman.sock")]
    [InlineData(null, "/run/user/1000", "/run/user/1000/own.sock")]
    [InlineData(null, null, "/tmp/private-42/own.sock")]
    public void ServicePath_IsDockerHostsThenTheRuntimeDirectoryThenThePrivateOne(string? dockerHost, string? xdg, string expected) =>
        Assert.Equal(expected, ContainerSocket.Create(dockerHost, xdg, 1000).ServicePath("own.sock", "/tmp/private-42"));

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
    public async Task Find_WhenDockerHostAnswers_ReturnsIt()
    {
        var custom = Path.Combine(_dir, "custom.sock");
        await using var server = PingSocketServer.Start(custom);

        var found = await ContainerSocket.Create($"unix://{custom}", null, 0).FindAsync(TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(custom, found);
    }

    [Fact]
    public async Task Find_WhenOnlyTheRuntimeDirectorysSocketAnswers_ReturnsIt()
    {
        var runtimeDir = Directory.CreateDirectory(Path.Combine(_dir, "xdg", "podman")).Parent!.FullName;
        var socket = Path.Combine(runtimeDir, "podman", "podman.sock");
        await using var server = PingSocketServer.Start(socket);

        var found = await ContainerSocket.Create($"unix://{Path.Combine(_dir, "dead.sock")}", runtimeDir, 0).FindAsync(TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(socket, found);
    }
}
