namespace QuayBuilder.Podman.Tests;

/// <summary>
/// Writes the configuration for a Podman service of a test's own (vfs, runc, host network,
/// its own list of insecure loopback registries), as scripts/services does for the shared one.
/// </summary>
internal static class PrivateServiceConfig
{
    internal static PodmanServiceOptions Write(string dir, IEnumerable<string> insecureRegistries)
    {
        Directory.CreateDirectory(dir);
        var containersConf = Path.Combine(dir, "containers.conf");
        File.WriteAllText(containersConf, """
            [engine]
            runtime = "runc"
            cgroup_manager = "cgroupfs"
            events_logger = "file"
            [containers]
            netns = "host"

            """);
        var registriesConf = Path.Combine(dir, "registries.conf");
        File.WriteAllText(registriesConf, "unqualified-search-registries = []\nshort-name-mode = \"permissive\"\n" + string.Concat(
            insecureRegistries.Select(r => $"[[registry]]\nlocation = \"{r}\"\ninsecure = true\n")));
        return new PodmanServiceOptions
        {
            SocketPath = Path.Combine(dir, "podman.sock"),
            StorageRoot = Path.Combine(dir, "storage"),
            RunRoot = Path.Combine(dir, "run"),
            StorageDriver = "vfs",
            LogPath = Path.Combine(dir, "podman.log"),
            Environment = new Dictionary<string, string?>
            {
                ["CONTAINERS_CONF"] = containersConf,
                ["CONTAINERS_REGISTRIES_CONF"] = registriesConf,
            },
        };
    }

    /// <summary>Deletes a test's service directory (vfs layers included) after its service stopped.</summary>
    internal static async Task DeleteAsync(string dir)
    {
        // vfs layers may hold read-only directories that Directory.Delete trips over.
        await ProcessRunner.RunAsync("rm", ["-rf", dir]);
    }
}
