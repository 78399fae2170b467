using QuayBuilder.Build;
using QuayBuilder.Configuration;
using QuayBuilder.Podman;

namespace QuayBuilder.Cli;

/// <summary>
/// Finds the container runtime's socket (DOCKER_HOST, then Podman's usual places) and, in the
/// quay-builder image (EXECUTOR=kubernetesPodman) when there is none, starts Podman's service
/// itself — what the Go image's entrypoint script did in shell.
/// </summary>
internal sealed class RuntimeConnector : IAsyncDisposable
{
    private static readonly TimeSpan SocketWait = TimeSpan.FromSeconds(20);

    private PodmanService? _ownService;

    public IContainerRuntime? Runtime { get; private set; }

    public string? SocketPath { get; private set; }

    public async Task<IContainerRuntime> ConnectAsync(WorkerSettings settings, CancellationToken ct)
    {
        var socket = await ContainerSocket.DiscoverAsync(settings.RuntimeSocket is null ? null : "unix://" + settings.RuntimeSocket, SocketWait, ct).ConfigureAwait(false);
        if (socket is null && string.Equals(settings.Executor, "kubernetesPodman", StringComparison.OrdinalIgnoreCase) && settings.RuntimeSocket is null)
        {
            var runtimeDir = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } xdg ? xdg : Path.Combine(Path.GetTempPath(), $"quay-builder-podman-{Environment.ProcessId}");
            Directory.CreateDirectory(runtimeDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            try
            {
                _ownService = await PodmanService.StartAsync(Path.Combine(runtimeDir, "quay-builder-podman.sock"), SocketWait, ct).ConfigureAwait(false);
            }
            catch (PodmanException e)
            {
                throw new BuildFailure(FailureKind.Infrastructure, $"Could not start Podman's service ({e.Message}): check that podman is installed in the builder image and the user has subuid/subgid ranges.", e);
            }

            socket = _ownService.SocketPath;
        }

        if (socket is null)
        {
            var where = settings.RuntimeSocket ?? "DOCKER_HOST (unset), $XDG_RUNTIME_DIR/podman/podman.sock, /run/podman/podman.sock";
            throw new BuildFailure(FailureKind.Infrastructure,
                $"No container runtime answered on {where} within {SocketWait.TotalSeconds:0} s: start Podman's API service (systemctl start podman.socket, or `podman system service`) or set DOCKER_HOST to its socket.");
        }

        SocketPath = socket;
        Runtime = settings.Runtime == ContainerRuntimeKind.Docker ? new DockerApiClient(socket) : new PodmanClient(socket);
        return Runtime;
    }

    public async ValueTask DisposeAsync()
    {
        if (Runtime is not null)
        {
            await Runtime.DisposeAsync().ConfigureAwait(false);
        }

        if (_ownService is not null)
        {
            await _ownService.DisposeAsync().ConfigureAwait(false);
        }
    }
}
