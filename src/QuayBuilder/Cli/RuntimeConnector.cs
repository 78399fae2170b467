using Microsoft.Extensions.Logging;
using QuayBuilder.Build;
using QuayBuilder.Configuration;
using QuayBuilder.Podman;

namespace QuayBuilder.Cli;

/// <summary>
/// Finds the container runtime's socket with <see cref="ContainerSocket"/> (DOCKER_HOST, then
/// Podman's usual places, from the environment the settings were read from) and, in the
/// quay-builder image (EXECUTOR=kubernetesPodman) when there is none, starts Podman's service
/// itself — what the Go image's entrypoint script did in shell.
/// </summary>
internal sealed partial class RuntimeConnector : IAsyncDisposable
{
    private static readonly TimeSpan SocketWait = TimeSpan.FromSeconds(20);

    private readonly TimeSpan _discoveryWait;
    private PodmanService? _ownService;

    public RuntimeConnector()
        : this(SocketWait)
    {
    }

    /// <param name="discoveryWait">How long a starting service is waited for (tests shorten it).</param>
    internal RuntimeConnector(TimeSpan discoveryWait) => _discoveryWait = discoveryWait;

    public IContainerRuntime? Runtime { get; private set; }

    public string? SocketPath { get; private set; }

    /// <summary>What a certificate failure of a pull or push tells the user to set.</summary>
    internal const string CertificateHint =
        "give the CA that signed it as CA_CERT (PEM text), in the file SSL_CERT_FILE names, or as a file in /certs (CERTS_DIR).";

    /// <param name="logger">With DEBUG, Podman's info (version, storage, rootless, runtime) is logged here.</param>
    public async Task<IContainerRuntime> ConnectAsync(BuildSettings settings, CancellationToken ct, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // In the builder image (kubernetesPodman) nothing else starts Podman: the executor sets
        // DOCKER_HOST to where the image's entrypoint used to start it. One look, then start our own
        // there (or on a private socket) at once instead of waiting for one to appear.
        bool startsOwn = StartsOwnService(settings);
        var sockets = settings.Sockets;
        var socket = await sockets.FindAsync(startsOwn ? TimeSpan.Zero : _discoveryWait, ct).ConfigureAwait(false);
        if (socket is null && startsOwn)
        {
            var path = OwnServicePath(sockets);
            try
            {
                if (sockets.Configured is null)
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }

                _ownService = await PodmanService.StartAsync(OwnServiceOptions(settings, path), SocketWait, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is PodmanException or IOException or UnauthorizedAccessException)
            {
                throw new BuildFailure(FailureKind.Infrastructure, $"Could not start Podman's service on {path} ({e.Message}): check that podman is installed in the builder image and the user has subuid/subgid ranges.", e);
            }

            socket = _ownService.SocketPath;
        }

        if (socket is null)
        {
            var where = (sockets.Configured is null ? "DOCKER_HOST (unset), " : string.Empty) + string.Join(", ", sockets.Candidates);
            throw new BuildFailure(FailureKind.Infrastructure,
                $"No container runtime answered on {where} within {_discoveryWait.TotalSeconds:0} s: start Podman's API service (systemctl start podman.socket, or `podman system service`) or set DOCKER_HOST to its socket.");
        }

        SocketPath = socket;
        PodmanInfo? info = null;
        if ((_ownService is null && settings.Trust.ExtraPem is not null) || settings.Debug)
        {
            try
            {
                await using var probe = Open(settings.Runtime, socket);
                info = await probe.InfoAsync(ct).ConfigureAwait(false);
                if (settings.Debug && logger is not null)
                {
                    LogInfo(logger, socket, info.Version, info.StorageDriver, info.Rootless, info.OciRuntime);
                }
            }
            catch (PodmanException e)
            {
                if (logger is not null)
                {
                    LogInfoFailed(logger, socket, e.Message);
                }
            }
        }

        var options = ClientOptions(settings, _ownService is null ? ExternalCertsDirectory(info) : null);
        if (settings.Trust.ExtraPem is not null && logger is not null)
        {
            LogRegistryTrust(logger, socket, settings.Trust.Certificates.Count,
                options.CertsDirectory is { } certsd ? $"written to {certsd}/<registry>/ before each pull and push" : $"in the service's SSL_CERT_FILE {settings.Trust.BundlePath}");
        }

        Runtime = Open(settings.Runtime, socket, options);
        return Runtime;
    }

    /// <summary>With EXECUTOR=kubernetesPodman the worker starts Podman's service itself when none answers.</summary>
    internal static bool StartsOwnService(BuildSettings settings) =>
        string.Equals(settings.Executor, "kubernetesPodman", StringComparison.OrdinalIgnoreCase);

    /// <summary>Where the service the worker starts listens: DOCKER_HOST's path, else a socket of its own.</summary>
    internal static string OwnServicePath(ContainerSocket sockets) =>
        sockets.ServicePath("quay-builder-podman.sock", Path.Combine(Path.GetTempPath(), $"quay-builder-podman-{Environment.ProcessId}"));

    /// <summary>The client for the API CONTAINER_RUNTIME names: Podman's libpod API, or the Docker Engine API.</summary>
    internal static IContainerRuntime Open(ContainerRuntimeKind runtime, string socket, RuntimeClientOptions? options = null) =>
        runtime == ContainerRuntimeKind.Docker ? new DockerApiClient(socket, options) : new PodmanClient(socket, options);

    /// <summary>
    /// The service the worker starts trusts the extra CAs through SSL_CERT_FILE (Go reads the
    /// system roots from it; the bundle holds the system's and the extra ones) and pulls and
    /// pushes through the proxies, as the Go image's entrypoint had it.
    /// </summary>
    internal static PodmanServiceOptions OwnServiceOptions(BuildSettings settings, string socketPath)
    {
        var environment = new Dictionary<string, string?>(settings.Proxy.Environment(), StringComparer.Ordinal);
        if (settings.Trust.BundlePath is { } bundle)
        {
            environment["SSL_CERT_FILE"] = bundle;
        }

        return new PodmanServiceOptions
        {
            SocketPath = socketPath,
            LogLevel = settings.Debug ? "debug" : null,
            Environment = environment,
        };
    }

    internal static RuntimeClientOptions ClientOptions(BuildSettings settings, string? certsDirectory) => new()
    {
        ProxyBuildArguments = settings.Proxy.BuildArguments(),
        RegistryCaPem = settings.Trust.ExtraPem,
        CertsDirectory = certsDirectory,
        CertificateHint = CertificateHint,
    };

    /// <summary>
    /// Where a service the worker did not start reads per-registry CAs: a rootful one
    /// /etc/containers/certs.d, a rootless one (assumed to run as this user)
    /// ~/.config/containers/certs.d. Unknown (the service did not describe itself): rootful.
    /// </summary>
    internal static string ExternalCertsDirectory(PodmanInfo? info)
    {
        if (info is { Rootless: true } && Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home)
        {
            return Path.Combine(Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } config ? config : Path.Combine(home, ".config"), "containers", "certs.d");
        }

        return "/etc/containers/certs.d";
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

    [LoggerMessage(EventId = 52, Level = LogLevel.Debug, Message = "Runtime at {Socket}: {Count} extra CA(s) for registries, {Where}")]
    private static partial void LogRegistryTrust(ILogger logger, string socket, int count, string where);

    [LoggerMessage(EventId = 51, Level = LogLevel.Warning, Message = "Runtime at {Socket} did not describe itself: {Reason}")]
    private static partial void LogInfoFailed(ILogger logger, string socket, string reason);
}
