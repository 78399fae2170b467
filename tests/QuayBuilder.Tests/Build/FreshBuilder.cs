using QuayBuilder.Tests.EndToEnd;

namespace QuayBuilder.Tests.Build;

/// <summary>
/// A builder with an empty store, as every Quay build gets: the worker starts its own Podman
/// service (EXECUTOR=kubernetesPodman) on storage of its own under <paramref name="root"/>.
/// <paramref name="extraRegistries"/> are trusted over plain HTTP besides the test registry.
/// </summary>
internal static class FreshBuilder
{
    /// <summary>Points <paramref name="run"/> at a fresh builder; returns the socket its Podman service will listen on.</summary>
    public static async Task<string> ConfigureAsync(WorkerRun run, string root, params string[] extraRegistries)
    {
        Directory.CreateDirectory(root);
        var runtimeDir = Directory.CreateDirectory(Path.Join(root, "xdg")).FullName;
        var storageConf = Path.Join(root, "storage.conf");
        await File.WriteAllTextAsync(storageConf, $"[storage]\ndriver = \"vfs\"\ngraphroot = \"{root}/storage\"\nrunroot = \"{root}/run\"\n");
        var registriesConf = Path.Join(root, "registries.conf");
        var registries = string.Concat(new[] { run.Services.Registry }.Concat(extraRegistries).Select(r => $"[[registry]]\nlocation = \"{r}\"\ninsecure = true\n"));
        await File.WriteAllTextAsync(registriesConf, "unqualified-search-registries = []\n" + registries);
        var containersConf = Path.Join(root, "containers.conf");
        await File.WriteAllTextAsync(containersConf, "[engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n[containers]\nnetns = \"host\"\n");
        run.Environment.Remove("DOCKER_HOST");
        run.Environment["EXECUTOR"] = "kubernetesPodman";
        run.Environment["XDG_RUNTIME_DIR"] = runtimeDir;
        run.Environment["CONTAINERS_STORAGE_CONF"] = storageConf;
        run.Environment["CONTAINERS_REGISTRIES_CONF"] = registriesConf;
        run.Environment["CONTAINERS_CONF"] = containersConf;
        return Path.Join(runtimeDir, "quay-builder-podman.sock");
    }
}
