using QuayBuilder.BuildContext;
using QuayBuilder.Podman;

namespace QuayBuilder.Configuration;

/// <summary>
/// Reads <see cref="BuildSettings"/>. Nothing here is required, so <c>local</c> and each line of
/// <c>check</c> read exactly the variables they need; every problem is a
/// <see cref="ConfigurationException"/> with one line naming the variable and the fix.
/// </summary>
internal static class BuildSettingsReader
{
    internal const long DefaultLogMaxBytes = 64L * 1024 * 1024;

    private static readonly string[] Isolations = ["chroot", "oci", "rootless"];

    public static BuildSettings Read(Func<string, string?> environment)
    {
        var values = new EnvironmentValues(environment);
        return new BuildSettings
        {
            CaBundlePath = values.CaFile("SSL_CERT_FILE") ?? values.CaFile("GIT_SSL_CAINFO"),
            Proxy = ProxySettings.Read(values.Raw),
            Runtime = ReadRuntime(values.Get("CONTAINER_RUNTIME")),
            Sockets = ReadSockets(values),
            Isolation = ReadIsolation(values),
            Executor = values.Get("EXECUTOR") ?? string.Empty,
            Debug = values.Bool("DEBUG"),
            RegistryHostname = values.Get("REGISTRY_HOSTNAME"),
            WorkRoot = values.Directory("WORK_DIR") ?? Path.GetTempPath(),
            SourceLimits = ReadSourceLimits(values),
            LogMaxBytes = values.Count("LOG_MAX_BYTES") ?? DefaultLogMaxBytes,
            GitIdleTimeout = values.Seconds("GIT_IDLE_TIMEOUT") ?? TimeSpan.FromMinutes(3),
            GitTotalTimeout = values.Seconds("GIT_TOTAL_TIMEOUT") ?? TimeSpan.FromMinutes(15),
            GitConnectTimeout = values.Seconds("GIT_CONNECT_TIMEOUT") ?? TimeSpan.FromSeconds(30),
            GitKnownHosts = values.ReadableFile("GIT_KNOWN_HOSTS"),
            ReproducibleTimestamp = values.BoolOnByDefault("REPRODUCIBLE_TIMESTAMP"),
            ProvenanceLabels = values.BoolOnByDefault("PROVENANCE_LABELS"),
            LayerCache = values.BoolOnByDefault("LAYER_CACHE"),
        };
    }

    /// <summary>
    /// DOCKER_HOST is a unix socket: <c>unix:///path</c>, or <c>unix:/path</c> as Quay's EC2
    /// template writes it. TCP hosts are refused: the worker sends credentials over this socket.
    /// </summary>
    private static ContainerSocket ReadSockets(EnvironmentValues values)
    {
        try
        {
            return ContainerSocket.FromEnvironment(values.Get);
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(e.Message.Split(" (Parameter", 2)[0]);
        }
    }

    private static ContainerRuntimeKind ReadRuntime(string? value) => value?.ToLowerInvariant() switch
    {
        null or "podman" => ContainerRuntimeKind.Podman,
        "docker" => ContainerRuntimeKind.Docker,
        _ => throw new ConfigurationException(
            $"CONTAINER_RUNTIME '{value}' is not supported: use podman (the default) or docker."),
    };

    private static string ReadIsolation(EnvironmentValues values)
    {
        // Quay's Kubernetes executor spells the variable BULDAH_ISOLATION; the correct spelling wins.
        var name = values.Get("BUILDAH_ISOLATION") is null && values.Get("BULDAH_ISOLATION") is not null ? "BULDAH_ISOLATION" : "BUILDAH_ISOLATION";
        var value = values.Get(name)?.ToLowerInvariant();
        if (value is null)
        {
            return "chroot";
        }

        return Isolations.Contains(value)
            ? value
            : throw new ConfigurationException($"{name} '{value}' is not supported: use chroot, oci or rootless.");
    }

    private static SourceLimits ReadSourceLimits(EnvironmentValues values)
    {
        var limits = SourceLimits.Default;
        return limits with
        {
            MaxTotalBytes = values.Count("PACKAGE_MAX_BYTES") ?? limits.MaxTotalBytes,
            MaxEntries = values.Count("PACKAGE_MAX_ENTRIES") ?? limits.MaxEntries,
            MaxPathLength = (int)Math.Min(int.MaxValue, values.Count("PACKAGE_MAX_PATH_LENGTH") ?? limits.MaxPathLength),
            DownloadTimeout = values.Seconds("PACKAGE_DOWNLOAD_TIMEOUT") ?? limits.DownloadTimeout,
            IdleTimeout = values.Seconds("PACKAGE_IDLE_TIMEOUT") ?? limits.IdleTimeout,
            ConnectTimeout = values.Seconds("PACKAGE_CONNECT_TIMEOUT") ?? limits.ConnectTimeout,
        };
    }
}
