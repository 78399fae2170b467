namespace QuayBuilder.BuildContext;

/// <summary>
/// Bounds and trust settings for Git fetches. The worker fills these from its environment;
/// the library reads no environment variables itself.
/// </summary>
public sealed record GitOptions
{
    /// <summary>
    /// Git has printed nothing (no progress, no message) for this long: the fetch is killed
    /// (env <c>GIT_IDLE_TIMEOUT</c>, seconds).
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>The whole fetch, checkout and submodules included (env <c>GIT_TOTAL_TIMEOUT</c>, seconds).</summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>TCP connect and SSH banner, passed to ssh as <c>-o ConnectTimeout</c> (env <c>GIT_CONNECT_TIMEOUT</c>, seconds).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// An operator-provided known_hosts file (env <c>GIT_KNOWN_HOSTS</c>). When set, SSH host
    /// keys are checked strictly against it; when null, a host key is accepted on first use
    /// (the Go worker's behaviour) and its fingerprint is written to the build log.
    /// </summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>CA bundle for Git over HTTPS (from <c>GIT_SSL_CAINFO</c> or <c>SSL_CERT_FILE</c>).</summary>
    public string? CaBundlePath { get; init; }

    /// <summary>
    /// Proxy variables for git's environment (<c>http_proxy</c>, <c>HTTPS_PROXY</c>, …); a null
    /// value removes an inherited one. git's curl reads <c>http_proxy</c> only in lower case, so the
    /// worker passes both spellings. Empty: git inherits the process's.
    /// </summary>
    public IReadOnlyDictionary<string, string?> ProxyEnvironment { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// Accept local paths and <c>file://</c> URLs. Off in production: a build would otherwise
    /// read repositories on the worker's own disk. Tests turn it on.
    /// </summary>
    public bool AllowLocalRepositories { get; init; }

    /// <summary>
    /// Extra ssh arguments appended to <c>GIT_SSH_COMMAND</c>. Only tests use it: scp-like
    /// URLs cannot carry a port, so tests reach their loopback sshd with <c>-o Port=N</c>.
    /// </summary>
    internal IReadOnlyList<string> ExtraSshArguments { get; init; } = [];

    /// <summary>
    /// The Git wire protocol version requested. Always 2 in production (fetch by id works
    /// against any v2 server); tests lower it to exercise the full-fetch fallback that old
    /// servers need.
    /// </summary>
    internal int ProtocolVersion { get; init; } = 2;
}
