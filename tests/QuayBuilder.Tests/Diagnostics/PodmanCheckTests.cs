using QuayBuilder.Diagnostics;
using QuayBuilder.Tests.EndToEnd;

namespace QuayBuilder.Tests.Diagnostics;

/// <summary>The podman line finds the runtime with the worker's own locator, from the environment it is given.</summary>
public sealed class PodmanCheckTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("qb-podman-check-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<string> RunAsync(Dictionary<string, string> environment)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return (await PodmanCheck.RunAsync(environment.GetValueOrDefault, timeout.Token)).ToString();
    }

    [Fact]
    public async Task Check_WhenDockerHostIsUnset_FindsTheServiceInTheGivenRuntimeDirectory()
    {
        var services = await TestServices.GetAsync();
        var runtimeDir = Directory.CreateDirectory(Path.Join(_directory, "xdg", "podman")).Parent!.FullName;
        // The service's own socket, where a rootless Podman puts it under XDG_RUNTIME_DIR.
        File.CreateSymbolicLink(Path.Join(runtimeDir, "podman", "podman.sock"), services.PodmanSocket);

        var line = await RunAsync(new() { ["XDG_RUNTIME_DIR"] = runtimeDir });

        Assert.StartsWith($"ok   podman   {runtimeDir}/podman/podman.sock: Podman ", line, StringComparison.Ordinal);
        Assert.EndsWith("isolation chroot (default)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenKubernetesPodmanAndNothingAnswersOnDockerHost_SaysTheWorkerStartsItsOwnThere()
    {
        // The builder image's environment: DOCKER_HOST names where the old entrypoint started Podman.
        var socket = Path.Join(_directory, "podman-run-1000", "podman", "podman.sock");

        var line = await RunAsync(new() { ["EXECUTOR"] = "kubernetesPodman", ["DOCKER_HOST"] = "unix://" + socket, ["BULDAH_ISOLATION"] = "chroot" });

        Assert.Equal($"ok   podman   no service running; with EXECUTOR=kubernetesPodman the worker starts podman system service itself on {socket}; isolation chroot (BULDAH_ISOLATION)", line);
    }

    [Fact]
    public async Task Check_WhenDockerHostAnswersNothing_FailsEvenIfAUsualPlaceWould()
    {
        var services = await TestServices.GetAsync();
        var runtimeDir = Directory.CreateDirectory(Path.Join(_directory, "xdg", "podman")).Parent!.FullName;
        File.CreateSymbolicLink(Path.Join(runtimeDir, "podman", "podman.sock"), services.PodmanSocket);
        var dead = Path.Join(_directory, "dead.sock");
        await File.WriteAllTextAsync(dead, "not a socket");

        var line = await RunAsync(new() { ["DOCKER_HOST"] = "unix://" + dead, ["XDG_RUNTIME_DIR"] = runtimeDir });

        Assert.StartsWith($"FAIL podman   DOCKER_HOST names {dead}, but nothing answers on it — start Podman's API service there", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenDockerHostIsTcp_FailsWithTheWorkersMessage() =>
        Assert.Equal(
            "FAIL podman   DOCKER_HOST 'tcp://127.0.0.1:2375' is not a unix socket: quay-builder talks to Podman or Docker only over a local socket. Set DOCKER_HOST to unix:///path/to/podman.sock or leave it unset.",
            await RunAsync(new() { ["DOCKER_HOST"] = "tcp://127.0.0.1:2375" }));
}
