using QuayBuilder.BuildContext;
using QuayBuilder.Podman;

namespace QuayBuilder.Configuration;

/// <summary>
/// What running a build needs from the environment: the container runtime and where it listens,
/// isolation, the work directory, source and log bounds, Git, proxies, the CA bundle for
/// downloads and Git, reproducibility. Worker mode and <c>local</c> read the same variables with
/// the same rules; neither needs a manager for them.
/// </summary>
internal sealed record BuildSettings
{
    /// <summary><c>CONTAINER_RUNTIME</c>: podman (default) or docker.</summary>
    public ContainerRuntimeKind Runtime { get; init; } = ContainerRuntimeKind.Podman;

    /// <summary><c>DOCKER_HOST</c> and <c>XDG_RUNTIME_DIR</c>, as the places the runtime's socket is looked for.</summary>
    public ContainerSocket Sockets { get; init; } = ContainerSocket.FromEnvironment(static _ => null);

    /// <summary><c>DOCKER_HOST</c>: the runtime socket path, already taken out of its <c>unix://</c> form; null = discover.</summary>
    public string? RuntimeSocket => Sockets.Configured;

    /// <summary><c>BUILDAH_ISOLATION</c> (or the executor's misspelling <c>BULDAH_ISOLATION</c>): chroot, oci or rootless.</summary>
    public string Isolation { get; init; } = "chroot";

    /// <summary><c>EXECUTOR</c>: kubernetesPodman, popen, ec2, kubernetes or empty.</summary>
    public string Executor { get; init; } = string.Empty;

    /// <summary><c>DEBUG=true</c>: verbose logs; keep work directories and images.</summary>
    public bool Debug { get; init; }

    /// <summary><c>REGISTRY_HOSTNAME</c>: informational.</summary>
    public string? RegistryHostname { get; init; }

    /// <summary><c>WORK_DIR</c>: where per-job work directories are made (default: the temp directory).</summary>
    public string WorkRoot { get; init; } = Path.GetTempPath();

    /// <summary>Bounds on build packages (<c>PACKAGE_*</c> variables).</summary>
    public SourceLimits SourceLimits { get; init; } = SourceLimits.Default;

    /// <summary><c>LOG_MAX_BYTES</c>: bytes of text the whole build log may hold; past it the log is cut and the build goes on.</summary>
    public long LogMaxBytes { get; init; } = BuildSettingsReader.DefaultLogMaxBytes;

    /// <summary><c>GIT_IDLE_TIMEOUT</c> (seconds).</summary>
    public TimeSpan GitIdleTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary><c>GIT_TOTAL_TIMEOUT</c> (seconds).</summary>
    public TimeSpan GitTotalTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary><c>GIT_CONNECT_TIMEOUT</c> (seconds).</summary>
    public TimeSpan GitConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>GIT_KNOWN_HOSTS</c>: a known_hosts file; when set, SSH host keys are checked strictly.</summary>
    public string? GitKnownHosts { get; init; }

    /// <summary><c>REPRODUCIBLE_TIMESTAMP</c> (default true): build with the source's time, for reproducible digests.</summary>
    public bool ReproducibleTimestamp { get; init; } = true;

    /// <summary><c>PROVENANCE_LABELS</c> (default true): set the org.opencontainers.image source, revision and created labels.</summary>
    public bool ProvenanceLabels { get; init; } = true;

    /// <summary><c>LAYER_CACHE</c> (default true): publish and prime the layer cache (docs/adr/0013-layer-cache.md).</summary>
    public bool LayerCache { get; init; } = true;

    /// <summary><c>HTTP_PROXY</c>, <c>HTTPS_PROXY</c>, <c>NO_PROXY</c> (empty = unset).</summary>
    public ProxySettings Proxy { get; init; } = ProxySettings.None;

    /// <summary>
    /// CA bundle for HTTPS downloads and Git: <c>SSL_CERT_FILE</c> or <c>GIT_SSL_CAINFO</c> as read;
    /// in worker mode, once <see cref="CaTrustSetup"/> has run, the bundle of the system's and every extra CA.
    /// </summary>
    public string? CaBundlePath { get; init; }

    /// <summary>
    /// The extra CAs pulls, pushes, downloads and Git trust (and the manager's channel), established
    /// by <see cref="CaTrustSetup.Apply"/> in worker mode; none in <c>local</c>.
    /// </summary>
    public CaTrust Trust { get; init; } = CaTrust.None;
}
