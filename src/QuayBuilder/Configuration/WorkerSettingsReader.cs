using System.Globalization;
using QuayBuilder.BuildContext;
using QuayBuilder.Podman;

namespace QuayBuilder.Configuration;

/// <summary>
/// Reads <see cref="WorkerSettings"/> from environment variables. Every problem is a
/// <see cref="ConfigurationException"/> with one line naming the variable and the fix; the value
/// of a secret is never repeated in it.
/// </summary>
internal static class WorkerSettingsReader
{
    private static readonly string[] Isolations = ["chroot", "oci", "rootless"];

    public static WorkerSettings Read(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Get(string name)
        {
            var value = environment(name);
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }

        var server = Get("SERVER") ?? throw new ConfigurationException(
            "SERVER is not set: set it to the build manager's gRPC endpoint as host:port (for example buildman.example.com:50051 or :55443 for TLS).");
        ValidateServer(server);

        // TOKEN is read raw: a JWT has no surrounding blanks worth keeping, but never echo it.
        var token = Get("TOKEN") ?? throw new ConfigurationException(
            "TOKEN is not set: the build manager passes the registration token in TOKEN; start the worker the way Quay's executor does.");

        // kubernetesPodman names /certs/cacert.crt, which only its image's entrypoint made: with
        // CA_CERT set, a missing file is made later (CaTrustSetup), never a reason to stop.
        var caCert = Get("CA_CERT");
        var caFiles = new List<(string Variable, string Path)>();
        foreach (var variable in (string[])["TLS_CERT_PATH", "SSL_CERT_FILE", "GIT_SSL_CAINFO"])
        {
            if ((caCert is not null && Get(variable) is { } named && !File.Exists(named) ? named : ReadReadableFile(Get, variable)) is { } path)
            {
                caFiles.Add((variable, path));
            }
        }

        string? CaFile(string variable) => caFiles.Where(f => f.Variable == variable).Select(f => f.Path).FirstOrDefault();

        var settings = new WorkerSettings
        {
            Server = server,
            Token = token,
            Insecure = ReadBool(Get, "INSECURE"),
            TlsCertPath = CaFile("TLS_CERT_PATH"),
            CaCert = caCert,
            CaBundlePath = CaFile("SSL_CERT_FILE") ?? CaFile("GIT_SSL_CAINFO"),
            CaFiles = caFiles,
            CertsDirectory = Get("CERTS_DIR") ?? "/certs",
            Proxy = ProxySettings.Read(environment),
            Runtime = ReadRuntime(Get("CONTAINER_RUNTIME")),
            RuntimeSocket = Get("DOCKER_HOST") is { } host ? ParseDockerHost(host) : null,
            Isolation = ReadIsolation(Get),
            Executor = Get("EXECUTOR") ?? string.Empty,
            Debug = ReadBool(Get, "DEBUG"),
            BuildUuid = Get("BUILD_UUID"),
            RegistryHostname = Get("REGISTRY_HOSTNAME"),
            WorkRoot = ReadDirectory(Get, "WORK_DIR") ?? Path.GetTempPath(),
            HeartbeatInterval = ReadSeconds(Get, "HEARTBEAT_INTERVAL") ?? TimeSpan.FromSeconds(10),
            HeartbeatWindow = ReadSeconds(Get, "HEARTBEAT_WINDOW") ?? TimeSpan.FromSeconds(60),
            RegistrationRetryTime = ReadSeconds(Get, "REGISTRATION_TIMEOUT") ?? TimeSpan.FromSeconds(60),
            SourceLimits = ReadSourceLimits(Get),
            LogMaxBytes = ReadCount(Get, "LOG_MAX_BYTES") ?? 64L * 1024 * 1024,
            GitIdleTimeout = ReadSeconds(Get, "GIT_IDLE_TIMEOUT") ?? TimeSpan.FromMinutes(3),
            GitTotalTimeout = ReadSeconds(Get, "GIT_TOTAL_TIMEOUT") ?? TimeSpan.FromMinutes(15),
            GitConnectTimeout = ReadSeconds(Get, "GIT_CONNECT_TIMEOUT") ?? TimeSpan.FromSeconds(30),
            GitKnownHosts = ReadReadableFile(Get, "GIT_KNOWN_HOSTS"),
            ReproducibleTimestamp = Get("REPRODUCIBLE_TIMESTAMP") is null || ReadBool(Get, "REPRODUCIBLE_TIMESTAMP"),
            ProvenanceLabels = Get("PROVENANCE_LABELS") is null || ReadBool(Get, "PROVENANCE_LABELS"),
            LayerCache = Get("LAYER_CACHE") is null || ReadBool(Get, "LAYER_CACHE"),
        };

        if (settings.HeartbeatInterval * 3 > settings.HeartbeatWindow)
        {
            throw new ConfigurationException(
                $"HEARTBEAT_INTERVAL is {settings.HeartbeatInterval.TotalSeconds:0} s: it must stay well inside the manager's {settings.HeartbeatWindow.TotalSeconds:0} s window; use at most a third of HEARTBEAT_WINDOW (defaults: 10 and 60).");
        }

        return settings;
    }

    /// <summary>
    /// SERVER is <c>host:port</c>; the port is never guessed (plaintext is 50051, TLS 55443, and
    /// a wrong guess fails in confusing ways).
    /// </summary>
    internal static void ValidateServer(string server)
    {
        if (server.Contains("://", StringComparison.Ordinal))
        {
            throw new ConfigurationException(
                $"SERVER '{server}' has a scheme: give host:port only (INSECURE=true selects plaintext, otherwise TLS is used).");
        }

        int colon = server.LastIndexOf(':');
        bool bracketed = server.StartsWith('[');
        if (colon < 0 || (bracketed && colon < server.IndexOf(']', StringComparison.Ordinal)))
        {
            throw new ConfigurationException(
                $"SERVER '{server}' has no port: give host:port, for example {server}:50051 (plaintext) or {server}:55443 (TLS).");
        }

        var host = server[..colon];
        var port = server[(colon + 1)..];
        if (host.Length == 0 || host.Any(char.IsWhiteSpace) || (!bracketed && host.Contains(':', StringComparison.Ordinal)))
        {
            throw new ConfigurationException(
                $"SERVER '{server}' is not host:port: write an IPv6 address in brackets, for example [::1]:50051.");
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number is < 1 or > 65535)
        {
            throw new ConfigurationException(
                $"SERVER '{server}' has an invalid port '{port}': the port must be a number from 1 to 65535.");
        }
    }

    /// <summary>
    /// DOCKER_HOST is a unix socket: <c>unix:///path</c>, or <c>unix:/path</c> as Quay's EC2
    /// template writes it. TCP hosts are refused: the worker sends credentials over this socket.
    /// </summary>
    internal static string ParseDockerHost(string value)
    {
        try
        {
            return ContainerSocket.ParseDockerHost(value);
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

    private static string ReadIsolation(Func<string, string?> get)
    {
        // Quay's Kubernetes executor spells the variable BULDAH_ISOLATION; the correct spelling wins.
        var name = get("BUILDAH_ISOLATION") is null && get("BULDAH_ISOLATION") is not null ? "BULDAH_ISOLATION" : "BUILDAH_ISOLATION";
        var value = get(name)?.ToLowerInvariant();
        if (value is null)
        {
            return "chroot";
        }

        return Isolations.Contains(value)
            ? value
            : throw new ConfigurationException($"{name} '{value}' is not supported: use chroot, oci or rootless.");
    }

    private static bool ReadBool(Func<string, string?> get, string name) => get(name)?.ToLowerInvariant() switch
    {
        null or "false" or "0" or "no" => false,
        "true" or "1" or "yes" => true,
        var other => throw new ConfigurationException($"{name} '{other}' is not a boolean: use true or false."),
    };

    private static string? ReadReadableFile(Func<string, string?> get, string name)
    {
        var path = get(name);
        if (path is null)
        {
            return null;
        }

        try
        {
            using var _ = File.OpenRead(path);
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{name} names '{path}', which cannot be read ({e.Message}): fix the path or unset {name}.");
        }
    }

    private static string? ReadDirectory(Func<string, string?> get, string name)
    {
        var path = get(name);
        if (path is not null && !Directory.Exists(path))
        {
            throw new ConfigurationException($"{name} names '{path}', which is not a directory: create it or unset {name}.");
        }

        return path;
    }

    private static TimeSpan? ReadSeconds(Func<string, string?> get, string name)
    {
        var value = get(name);
        if (value is null)
        {
            return null;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0 && seconds < 7 * 24 * 3600
            ? TimeSpan.FromSeconds(seconds)
            : throw new ConfigurationException($"{name} '{value}' is not a positive number of seconds.");
    }

    private static long? ReadCount(Func<string, string?> get, string name)
    {
        var value = get(name);
        if (value is null)
        {
            return null;
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long count) && count > 0
            ? count
            : throw new ConfigurationException($"{name} '{value}' is not a positive whole number.");
    }

    private static SourceLimits ReadSourceLimits(Func<string, string?> get)
    {
        var limits = SourceLimits.Default;
        return limits with
        {
            MaxTotalBytes = ReadCount(get, "PACKAGE_MAX_BYTES") ?? limits.MaxTotalBytes,
            MaxEntries = ReadCount(get, "PACKAGE_MAX_ENTRIES") ?? limits.MaxEntries,
            MaxPathLength = (int)Math.Min(int.MaxValue, ReadCount(get, "PACKAGE_MAX_PATH_LENGTH") ?? limits.MaxPathLength),
            DownloadTimeout = ReadSeconds(get, "PACKAGE_DOWNLOAD_TIMEOUT") ?? limits.DownloadTimeout,
            IdleTimeout = ReadSeconds(get, "PACKAGE_IDLE_TIMEOUT") ?? limits.IdleTimeout,
            ConnectTimeout = ReadSeconds(get, "PACKAGE_CONNECT_TIMEOUT") ?? limits.ConnectTimeout,
        };
    }
}
