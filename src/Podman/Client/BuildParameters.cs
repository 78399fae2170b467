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

    /// <summary>
    /// Seconds since the Unix epoch to record as the image's creation time, every new history
    /// entry's time and the file times in new layers (libpod <c>timestamp</c>), so that the same
    /// input gives the same image; null = the build's own time. Ignored by Docker-compatible
    /// endpoints, whose build API has no such parameter.
    /// </summary>
    public long? Timestamp { get; init; }

    /// <summary>
    /// Labels to set on the final image. Podman adds them as <c>LABEL</c> steps after the
    /// Dockerfile's last instruction, one per label in this order, so they override labels of
    /// the same key from the Dockerfile and the base image; sent as a JSON list so that order is
    /// the same in every build (a JSON object would reach buildah as a Go map, in random order).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; init; } = [];
}
