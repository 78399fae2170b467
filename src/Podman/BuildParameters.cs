namespace QuayBuilder.Podman;

/// <summary>What to build and how; the context itself is streamed separately.</summary>
public sealed record BuildParameters
{
    /// <summary>Name given to the built image (<c>t=</c>).</summary>
    public required string Tag { get; init; }

    /// <summary>Path of the Dockerfile inside the context tar.</summary>
    public string Dockerfile { get; init; } = "Dockerfile";

    /// <summary><c>chroot</c>, <c>oci</c> or <c>rootless</c>. Ignored by Docker-compatible endpoints.</summary>
    public string Isolation { get; init; } = "chroot";

    /// <summary>Images whose layers the build may reuse.</summary>
    public IReadOnlyList<string> CacheFrom { get; init; } = [];

    /// <summary>
    /// Credentials per registry host, sent as <c>X-Registry-Config</c> so that every stage's
    /// private base image can be pulled during the build.
    /// </summary>
    public IReadOnlyDictionary<string, RegistryAuth> RegistryCredentials { get; init; } = new Dictionary<string, RegistryAuth>();

    /// <summary>Cache intermediate layers.</summary>
    public bool Layers { get; init; } = true;

    /// <summary>
    /// <c>docker</c> (Docker v2 schema 2, the default) or <c>oci</c>. Docker's format keeps
    /// HEALTHCHECK, SHELL and STOPSIGNAL, which the OCI format drops. The format is always sent:
    /// measured on Podman 4.3.1, a libpod build request that names no output format never
    /// reuses cached layers (not even of an identical build); one that names either format does.
    /// Ignored by Docker-compatible endpoints, which always build Docker images.
    /// </summary>
    public string ImageFormat { get; init; } = "docker";
}
