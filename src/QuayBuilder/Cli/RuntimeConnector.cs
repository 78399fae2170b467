using Microsoft.Extensions.Logging;
using QuayBuilder.Build;
using QuayBuilder.Configuration;
using QuayBuilder.Podman;

namespace QuayBuilder.Cli;

/// <summary>
/// Finds the container runtime's socket (DOCKER_HOST, then Podman's usual places) and, in the
/// quay-builder image (EXECUTOR=kubernetesPodman) when there is none, starts Podman's service
/// itself — what the Go image's entrypoint script did in shell.
/// </summary>
internal sealed partial class RuntimeConnector : IAsyncDisposable
{
    private static readonly TimeSpan SocketWait = TimeSpan.FromSeconds(20);

    private PodmanService? _ownService;

    public IContainerRuntime? Runtime { get; private set; }

    public string? SocketPath { get; private set; }

    /// <param name="logger">With DEBUG, Podman's info (version, storage, rootless, runtime) is logged here.</param>
    public async Task<IContainerRuntime> ConnectAsync(WorkerSettings settings, CancellationToken ct, ILogger? logger = null)
    {
        // In the builder image (kubernetesPodman, no DOCKER_HOST) nothing else starts Podman: one
        // look for a socket, then start our own at once instead of waiting for one to appear.
        bool startsOwn = string.Equals(settings.Executor, "kubernetesPodman", StringComparison.OrdinalIgnoreCase) && settings.RuntimeSocket is null;
        var socket = await ContainerSocket.DiscoverAsync(settings.RuntimeSocket is null ? null : "unix://" + settings.RuntimeSocket, startsOwn ? TimeSpan.Zero : SocketWait, ct).ConfigureAwait(false);
        if (socket is null && startsOwn)
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
        if (settings.Debug && logger is not null)
        {
            try
            {
                var info = await Runtime.InfoAsync(ct).ConfigureAwait(false);
                LogInfo(logger, socket, info.Version, info.StorageDriver, info.Rootless, info.OciRuntime);
            }
            catch (PodmanException e)
            {
                LogInfoFailed(logger, socket, e.Message);
            }
        }

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

    [LoggerMessage(EventId = 50, Level = LogLevel.Debug, Message = "Runtime at {Socket}: version {Version}, storage {Storage}, rootless {Rootless}, OCI runtime {OciRuntime}")]
    private static partial void LogInfo(ILogger logger, string socket, string version, string storage, bool rootless, string ociRuntime);

    [LoggerMessage(EventId = 51, Level = LogLevel.Warning, Message = "Runtime at {Socket} did not describe itself: {Reason}")]
    private static partial void LogInfoFailed(ILogger logger, string socket, string reason);
}
