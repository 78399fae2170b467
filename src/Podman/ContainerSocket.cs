namespace QuayBuilder.Podman;

/// <summary>Finds the container runtime's unix socket the way the worker's executors set it up.</summary>
public static class ContainerSocket
{
    /// <summary>
    /// The candidate sockets in the order they are tried: <paramref name="dockerHost"/> first when set,
    /// then the places Podman puts its socket for root and rootless services.
    /// </summary>
    public static IReadOnlyList<string> Candidates(string? dockerHost, string? xdgRuntimeDir, uint uid)
    {
        var candidates = new List<string>();
        if (!string.IsNullOrWhiteSpace(dockerHost))
        {
            candidates.Add(ParseDockerHost(dockerHost));
        }

        if (!string.IsNullOrWhiteSpace(xdgRuntimeDir))
        {
            candidates.Add(Path.Combine(xdgRuntimeDir, "podman", "podman.sock"));
        }

        candidates.Add("/run/podman/podman.sock");
        candidates.Add($"/tmp/storage-run-{uid}/podman/podman.sock");
        candidates.Add($"/tmp/podman-run-{uid}/podman/podman.sock");
        return candidates.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Returns the first candidate socket that answers <c>/_ping</c>, trying them all again until
    /// <paramref name="wait"/> has passed (a service may still be starting); null when none answered.
    /// Reads DOCKER_HOST's value from <paramref name="dockerHost"/> and the rest from the process environment.
    /// </summary>
    public static Task<string?> DiscoverAsync(string? dockerHost, TimeSpan wait, CancellationToken ct) =>
        DiscoverAsync(Candidates(dockerHost, Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR"), CurrentUid()), wait, ct);

    /// <summary>The same, over an explicit candidate list (tests, and callers with their own order).</summary>
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
