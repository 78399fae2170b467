using QuayBuilder.BuildContext;

namespace QuayBuilder.Configuration;

/// <summary>
/// Everything the worker reads from its environment, validated. The variables are the ones the
/// Go worker and Quay's executors set (see shared/docs/worker.md); the rest are ours and have
/// defaults that suit a deployed worker.
/// </summary>
internal sealed record WorkerSettings
{
    /// <summary><c>SERVER</c>: the build manager as host and port, exactly as given.</summary>
    public required string Server { get; init; }

    /// <summary><c>TOKEN</c>: the registration JWT. Secret: never printed.</summary>
    public required string Token { get; init; }

    /// <summary><c>INSECURE=true</c>: plaintext HTTP/2 to the manager.</summary>
    public bool Insecure { get; init; }

    /// <summary><c>TLS_CERT_PATH</c>: PEM file of CA certificates to trust for the manager.</summary>
    public string? TlsCertPath { get; init; }

    /// <summary><c>CA_CERT</c>: PEM text of extra CA certificates (the Kubernetes executor sets it).</summary>
    public string? CaCert { get; init; }

    /// <summary>
    /// CA bundle for HTTPS downloads and Git: <c>SSL_CERT_FILE</c> or <c>GIT_SSL_CAINFO</c> as read;
    /// once <see cref="CaTrustSetup"/> has run, the bundle of the system's and every extra CA.
    /// </summary>
    public string? CaBundlePath { get; init; }

    /// <summary>
    /// The CA files named by TLS_CERT_PATH, SSL_CERT_FILE and GIT_SSL_CAINFO, by variable. A file
    /// may be missing only when CA_CERT is set (kubernetesPodman): it is then created from it.
    /// </summary>
    public IReadOnlyList<(string Variable, string Path)> CaFiles { get; init; } = [];

    /// <summary><c>CERTS_DIR</c> (default <c>/certs</c>): every certificate file in it is an extra CA, as the Go image treated the mounted /certs.</summary>
    public string CertsDirectory { get; init; } = "/certs";

    /// <summary>The extra CAs, established by <see cref="CaTrustSetup.Apply"/> before the worker connects anywhere.</summary>
    public CaTrust Trust { get; init; } = CaTrust.None;

    /// <summary><c>HTTP_PROXY</c>, <c>HTTPS_PROXY</c>, <c>NO_PROXY</c> (empty = unset).</summary>
    public ProxySettings Proxy { get; init; } = ProxySettings.None;

    /// <summary><c>CONTAINER_RUNTIME</c>: podman (default) or docker.</summary>
    public ContainerRuntimeKind Runtime { get; init; } = ContainerRuntimeKind.Podman;

    /// <summary><c>DOCKER_HOST</c>: the runtime socket path, already taken out of its <c>unix://</c> form; null = discover.</summary>
    public string? RuntimeSocket { get; init; }

    /// <summary><c>BUILDAH_ISOLATION</c> (or the executor's misspelling <c>BULDAH_ISOLATION</c>): chroot, oci or rootless.</summary>
    public string Isolation { get; init; } = "chroot";

    /// <summary><c>EXECUTOR</c>: kubernetesPodman, popen, ec2, kubernetes or empty.</summary>
    public string Executor { get; init; } = string.Empty;

    /// <summary><c>DEBUG=true</c>: verbose logs; keep work directories and images.</summary>
    public bool Debug { get; init; }

    /// <summary><c>BUILD_UUID</c>: informational; prefixes the worker's own log lines.</summary>
    public string? BuildUuid { get; init; }

    /// <summary><c>REGISTRY_HOSTNAME</c>: informational.</summary>
    public string? RegistryHostname { get; init; }

    /// <summary><c>WORK_DIR</c>: where per-job work directories are made (default: the temp directory).</summary>
    public string WorkRoot { get; init; } = Path.GetTempPath();

    /// <summary><c>HEARTBEAT_INTERVAL</c> (seconds): well inside the manager's 60 s window.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>HEARTBEAT_WINDOW</c> (seconds): the manager marks a job dead after this long without a
    /// heartbeat (60 s in protocol.md); the worker gives the job up after the same silence.
    /// </summary>
    public TimeSpan HeartbeatWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary><c>REGISTRATION_TIMEOUT</c> (seconds): how long transient failures of Ping/RegisterBuildJob are retried.</summary>
    public TimeSpan RegistrationRetryTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Bounds on build packages (<c>PACKAGE_*</c> variables).</summary>
    public SourceLimits SourceLimits { get; init; } = SourceLimits.Default;

    /// <summary><c>LOG_MAX_BYTES</c>: bytes of text the whole build log may hold; past it the log is cut and the build goes on.</summary>
    public long LogMaxBytes { get; init; } = 64L * 1024 * 1024;

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

    /// <summary>
    /// The gRPC address: SERVER with a scheme. <c>INSECURE=true</c> means plaintext; TLS otherwise.
    /// </summary>
    public Uri ManagerAddress => new((Insecure ? "http://" : "https://") + Server);
}
