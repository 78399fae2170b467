namespace QuayBuilder.Podman;

/// <summary>
/// What every request of a runtime client carries beyond its own parameters: the proxies a
/// build's RUN steps use, the CA certificates registries are trusted with, and what a
/// certificate failure tells the user to do. The caller (the worker) knows where these come
/// from; this library only applies them.
/// </summary>
public sealed record RuntimeClientOptions
{
    public static RuntimeClientOptions Default { get; } = new();

    /// <summary>
    /// Docker's predefined proxy build arguments (<c>HTTP_PROXY</c>, <c>https_proxy</c>, …) added
    /// to every build. Predefined arguments reach RUN steps as environment variables without an
    /// <c>ARG</c> line and are not written into the image's config or history (measured on
    /// buildah 1.28.2, see docs/adr/0008-ca-and-proxies.md). Empty: none.
    /// </summary>
    public IReadOnlyDictionary<string, string> ProxyBuildArguments { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Where the runtime service reads per-registry CAs (<c>certs.d</c>: <c>/etc/containers/certs.d</c>
    /// for a rootful service). With <see cref="RegistryCaPem"/> set, a <c>&lt;host&gt;/quay-builder-ca.crt</c>
    /// is written there before a pull or push from that host. Null: nothing is written.
    /// </summary>
    public string? CertsDirectory { get; init; }

    /// <summary>PEM text of the extra CA certificates to trust for registries (added to the service's own).</summary>
    public string? RegistryCaPem { get; init; }

    /// <summary>Appended to a certificate failure's message: which setting makes the registry trusted.</summary>
    public string CertificateHint { get; init; } =
        "Trust the CA that signed the registry's certificate in the container runtime (for Podman: a ca.crt in certs.d/<registry-host>/).";
}
