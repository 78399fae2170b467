namespace QuayBuilder.Configuration;

/// <summary>Which API the worker drives on the runtime socket (env <c>CONTAINER_RUNTIME</c>).</summary>
internal enum ContainerRuntimeKind
{
    /// <summary>Podman's libpod API: honours isolation, which unprivileged builds need.</summary>
    Podman,

    /// <summary>The Docker Engine API (Docker itself, or Podman's compatible endpoints).</summary>
    Docker,
}
