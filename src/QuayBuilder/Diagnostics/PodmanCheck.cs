using QuayBuilder.Cli;
using QuayBuilder.Configuration;
using QuayBuilder.Podman;

namespace QuayBuilder.Diagnostics;

/// <summary>
/// Finds the runtime socket with the worker's own locator and asks it what it is: version,
/// rootless, storage driver, OCI runtime, and which isolation builds would ask for. Unlike the
/// worker it does not wait for a starting service, and a DOCKER_HOST that does not answer is a
/// failure even when another socket would: the operator meant that one. With
/// EXECUTOR=kubernetesPodman no answer is fine: the worker starts its own service, as it would.
/// </summary>
internal static class PodmanCheck
{
    public const string Name = "podman";

    /// <summary>The variables this check validates (the "config" check leaves them alone).</summary>
    public static readonly string[] Variables = ["CONTAINER_RUNTIME", "DOCKER_HOST", "XDG_RUNTIME_DIR", "BUILDAH_ISOLATION", "BULDAH_ISOLATION", "EXECUTOR"];

    private static readonly TimeSpan InfoTimeout = TimeSpan.FromSeconds(10);

    public static async Task<CheckLine> RunAsync(Func<string, string?> environment, CancellationToken ct)
    {
        BuildSettings settings;
        try
        {
            settings = BuildSettingsReader.Read(SettingsProbe.Only(environment, Variables));
        }
        catch (ConfigurationException e)
        {
            return CheckLine.Fail(Name, e.Message);
        }

        var isolation = $"isolation {settings.Isolation} ({IsolationSource(environment)})";
        var sockets = settings.Sockets;
        var socket = sockets.Configured is { } configured
            ? await ContainerSocket.DiscoverAsync([configured], TimeSpan.Zero, ct).ConfigureAwait(false)
            : await sockets.FindAsync(TimeSpan.Zero, ct).ConfigureAwait(false);
        if (socket is null)
        {
            if (RuntimeConnector.StartsOwnService(settings))
            {
                return CheckLine.Ok(Name, $"no service running; with EXECUTOR=kubernetesPodman the worker starts podman system service itself on {RuntimeConnector.OwnServicePath(sockets)}; {isolation}");
            }

            if (sockets.Configured is { } named)
            {
                var why = File.Exists(named) ? "nothing answers on it" : "no such socket";
                return CheckLine.Fail(Name,
                    $"DOCKER_HOST names {named}, but {why} — start Podman's API service there (systemctl start podman.socket, or podman system service unix://{named}) or fix DOCKER_HOST.");
            }

            return CheckLine.Fail(Name,
                $"no container runtime answers on {string.Join(", ", sockets.UsualPlaces)} — start Podman's API service (systemctl start podman.socket, or podman system service) or set DOCKER_HOST=unix:///path/to/podman.sock.");
        }

        var runtime = RuntimeConnector.Open(settings.Runtime, socket);
        await using (runtime.ConfigureAwait(false))
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(InfoTimeout);
            try
            {
                var info = await runtime.InfoAsync(timeout.Token).ConfigureAwait(false);
                var api = settings.Runtime == ContainerRuntimeKind.Docker ? "Docker API" : "Podman";
                return CheckLine.Ok(Name,
                    $"{socket}: {api} {info.Version}, {(info.Rootless ? "rootless" : "rootful")}, storage {info.StorageDriver}, runtime {info.OciRuntime}, {isolation}");
            }
            catch (PodmanException e)
            {
                return CheckLine.Fail(Name, $"{socket} answers ping but not info ({e.Message}) — check the service's log (journalctl -u podman.service).");
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return CheckLine.Fail(Name, $"{socket} did not answer info within {InfoTimeout.TotalSeconds:0} s — the service is overloaded or stuck; restart it (systemctl restart podman.socket podman.service).");
            }
        }
    }

    private static string IsolationSource(Func<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(environment("BUILDAH_ISOLATION")))
        {
            return "BUILDAH_ISOLATION";
        }

        return string.IsNullOrWhiteSpace(environment("BULDAH_ISOLATION")) ? "default" : "BULDAH_ISOLATION";
    }
}
