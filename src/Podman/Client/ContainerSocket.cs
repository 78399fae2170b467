namespace QuayBuilder.Podman;

/// <summary>
/// Where the container runtime's unix socket is: the one DOCKER_HOST names, then the places
/// Podman puts its service's socket for root and rootless users. The one place that knows them:
/// worker mode, local mode, the diagnosis and the service the worker starts itself all ask an
/// instance built from the environment they were given, never from the process's.
/// </summary>
public sealed class ContainerSocket
{
    private readonly string? _runtimeDirectory;

    private ContainerSocket(string? configured, string? runtimeDirectory, IReadOnlyList<string> usualPlaces)
    {
        Configured = configured;
        _runtimeDirectory = runtimeDirectory;
        UsualPlaces = usualPlaces;
        Candidates = (configured is null ? usualPlaces : [configured, .. usualPlaces]).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>DOCKER_HOST's socket path; null when DOCKER_HOST is unset.</summary>
    public string? Configured { get; }

    /// <summary>Where Podman's service listens when nobody says otherwise, in the order they are tried.</summary>
    public IReadOnlyList<string> UsualPlaces { get; }

    /// <summary>The sockets tried, in order: <see cref="Configured"/> first when set, then <see cref="UsualPlaces"/>.</summary>
    public IReadOnlyList<string> Candidates { get; }

    /// <summary>
    /// Reads DOCKER_HOST and XDG_RUNTIME_DIR from <paramref name="environment"/> (blank means unset);
    /// the user id, which is no variable, from the process.
    /// </summary>
    /// <exception cref="ArgumentException">DOCKER_HOST is not a unix socket (see <see cref="ParseDockerHost"/>).</exception>
    public static ContainerSocket FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return Create(environment("DOCKER_HOST"), environment("XDG_RUNTIME_DIR"), CurrentUid());
    }

    /// <summary>The candidates for a given DOCKER_HOST (either unix form), runtime directory and user id.</summary>
    /// <exception cref="ArgumentException">DOCKER_HOST is not a unix socket.</exception>
    public static ContainerSocket Create(string? dockerHost, string? xdgRuntimeDir, uint uid)
    {
        var configured = string.IsNullOrWhiteSpace(dockerHost) ? null : ParseDockerHost(dockerHost);
        var runtimeDirectory = string.IsNullOrWhiteSpace(xdgRuntimeDir) ? null : xdgRuntimeDir.Trim();
        var usual = new List<string>();
        if (runtimeDirectory is not null)
        {
            usual.Add(Path.Combine(runtimeDirectory, "podman", "podman.sock"));
        }

        usual.Add("/run/podman/podman.sock");
        usual.Add($"/tmp/storage-run-{uid}/podman/podman.sock");
        usual.Add($"/tmp/podman-run-{uid}/podman/podman.sock");
        return new ContainerSocket(configured, runtimeDirectory, usual.Distinct(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// The first candidate that answers <c>/_ping</c>, trying them all again until
    /// <paramref name="wait"/> has passed (a service may still be starting); null when none answered.
    /// </summary>
    public Task<string?> FindAsync(TimeSpan wait, CancellationToken ct) => DiscoverAsync(Candidates, wait, ct);

    /// <summary>
    /// Where a service started by the caller listens: DOCKER_HOST's path (the executor expects it
    /// there), else <paramref name="fileName"/> in XDG_RUNTIME_DIR, else in <paramref name="privateDirectory"/>.
    /// </summary>
    public string ServicePath(string fileName, string privateDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentException.ThrowIfNullOrEmpty(privateDirectory);
        return Configured ?? Path.Combine(_runtimeDirectory ?? privateDirectory, fileName);
    }

    /// <summary>The first socket of <paramref name="candidates"/> that answers, as <see cref="FindAsync"/> (tests, and a service's own socket).</summary>
    public static async Task<string?> DiscoverAsync(IReadOnlyList<string> candidates, TimeSpan wait, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var deadline = DateTimeOffset.UtcNow + wait;
        while (true)
        {
            foreach (var candidate in candidates)
            {
                if (await AnswersPingAsync(candidate, ct).ConfigureAwait(false))
                {
                    return candidate;
                }
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Turns <c>unix:///path</c> or <c>unix:/path</c> (the form Quay's EC2 template writes) into the socket path.
    /// </summary>
    /// <exception cref="ArgumentException">The host is not a unix socket.</exception>
    public static string ParseDockerHost(string dockerHost)
    {
        ArgumentNullException.ThrowIfNull(dockerHost);
        var value = dockerHost.Trim();
        if (!value.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"DOCKER_HOST '{value}' is not a unix socket: quay-builder talks to Podman or Docker only over a local socket. " +
                "Set DOCKER_HOST to unix:///path/to/podman.sock or leave it unset.", nameof(dockerHost));
        }

        var path = value["unix:".Length..];
        if (path.StartsWith("//", StringComparison.Ordinal))
        {
            path = path[2..];
        }

        if (!path.StartsWith('/') || path.Length == 1)
        {
            throw new ArgumentException(
                $"DOCKER_HOST '{value}' does not name an absolute socket path. Use unix:///path/to/podman.sock.", nameof(dockerHost));
        }

        return path;
    }

    private static async Task<bool> AnswersPingAsync(string socketPath, CancellationToken ct)
    {
        if (!File.Exists(socketPath))
        {
            return false;
        }

        using var connection = new RuntimeConnection(socketPath);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/_ping");
            using var response = await connection.SendAsync(request, "Ping", timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (PodmanException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static uint CurrentUid()
    {
        // /proc/self/status has "Uid:\treal\teffective\t…"; no P/Invoke needed for this one number.
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                var fields = line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                return uint.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
