namespace QuayBuilder.Configuration;

/// <summary>
/// Everything worker mode reads from its environment, validated: how to reach the manager, how to
/// build, and the CA sources that <see cref="CaTrustSetup"/> turns into the one trust every
/// connection uses. The variables are the ones the Go worker and Quay's executors set (see
/// shared/docs/worker.md); the rest are ours and have defaults that suit a deployed worker.
/// </summary>
internal sealed record WorkerSettings
{
    /// <summary>SERVER, TOKEN, INSECURE, HEARTBEAT_*, REGISTRATION_TIMEOUT, BUILD_UUID.</summary>
    public required ManagerSettings Manager { get; init; }

    /// <summary>The runtime, isolation, work directory, bounds, Git, proxies; the trust once established.</summary>
    public required BuildSettings Build { get; init; }

    /// <summary><c>TLS_CERT_PATH</c>: PEM file of CA certificates to trust for the manager.</summary>
    public string? TlsCertPath { get; init; }

    /// <summary><c>CA_CERT</c>: PEM text of extra CA certificates (the Kubernetes executor sets it).</summary>
    public string? CaCert { get; init; }

    /// <summary>
    /// The CA files named by TLS_CERT_PATH, SSL_CERT_FILE and GIT_SSL_CAINFO, by variable. A file
    /// may be missing only when CA_CERT is set (kubernetesPodman): it is then created from it.
    /// </summary>
    public IReadOnlyList<(string Variable, string Path)> CaFiles { get; init; } = [];

    /// <summary><c>CERTS_DIR</c> (default <c>/certs</c>): every certificate file in it is an extra CA, as the Go image treated the mounted /certs.</summary>
    public string CertsDirectory { get; init; } = "/certs";
}
