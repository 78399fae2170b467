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
}
