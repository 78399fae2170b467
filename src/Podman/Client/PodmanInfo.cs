namespace QuayBuilder.Podman;

/// <summary>The runtime facts worth logging at start (DEBUG) and checking in tests.</summary>
public sealed record PodmanInfo(string Version, string StorageDriver, bool Rootless, string OciRuntime);
