namespace QuayBuilder.Podman;

/// <summary>How to run <c>podman system service</c> as a child of the worker.</summary>
public sealed record PodmanServiceOptions
{
    /// <summary>Where the service listens; its directory is created when missing.</summary>
    public required string SocketPath { get; init; }

    public string PodmanPath { get; init; } = "podman";

    /// <summary><c>--root</c>; null keeps Podman's default (its storage.conf or the rootless default).</summary>
    public string? StorageRoot { get; init; }

    /// <summary><c>--runroot</c>; null keeps Podman's default.</summary>
    public string? RunRoot { get; init; }

    /// <summary><c>--storage-driver</c>, e.g. <c>vfs</c>; null keeps Podman's default.</summary>
    public string? StorageDriver { get; init; }

    /// <summary><c>--log-level</c>, e.g. <c>debug</c> with DEBUG=true; null keeps Podman's default.</summary>
    public string? LogLevel { get; init; }

    /// <summary>Variables set in the child's environment (e.g. CONTAINERS_CONF, SSL_CERT_FILE); a null value removes an inherited one.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// A command that runs Podman, e.g. <c>["runuser", "-u", "builder", "--", "env", "XDG_RUNTIME_DIR=/run/user/1000"]</c>
    /// to start a rootless service from a root worker. Empty: Podman is run directly.
    /// </summary>
    public IReadOnlyList<string> CommandPrefix { get; init; } = [];

    /// <summary>The service's stdout and stderr are appended here; null keeps only the last lines for error messages.</summary>
    public string? LogPath { get; init; }

    /// <summary>After SIGTERM, how long the service gets before it and everything it started are killed.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(5);
}
