namespace QuayBuilder.TestSupport;

/// <summary>
/// A builder with an empty store, as every Quay build gets: the worker starts its own Podman
/// service (EXECUTOR=kubernetesPodman, nothing on DOCKER_HOST) on vfs storage of its own under
/// <see cref="Root"/>, with runc, host networking and the given registries trusted over plain HTTP —
/// what the builder image configures for its podman user.
/// </summary>
public sealed class FreshBuilder
{
    private readonly Dictionary<string, string> _variables;

    private FreshBuilder(string root, Dictionary<string, string> variables, string socket)
    {
        Root = root;
        _variables = variables;
        Socket = socket;
    }

    public string Root { get; }

    /// <summary>The variables that point a worker at this builder (DOCKER_HOST must be unset as well).</summary>
    public IReadOnlyDictionary<string, string> Variables => _variables;

    /// <summary>Where the worker's own Podman service will listen.</summary>
    public string Socket { get; }

    /// <summary>Writes the builder's containers configuration under <paramref name="root"/>.</summary>
    public static async Task<FreshBuilder> CreateAsync(string root, params string[] registries)
    {
        Directory.CreateDirectory(root);
        var runtimeDir = Directory.CreateDirectory(Path.Join(root, "xdg")).FullName;
        var storageConf = Path.Join(root, "storage.conf");
        await File.WriteAllTextAsync(storageConf, $"[storage]\ndriver = \"vfs\"\ngraphroot = \"{root}/storage\"\nrunroot = \"{root}/run\"\n");
        var registriesConf = Path.Join(root, "registries.conf");
        var trusted = string.Concat(registries.Select(r => $"[[registry]]\nlocation = \"{r}\"\ninsecure = true\n"));
        await File.WriteAllTextAsync(registriesConf, "unqualified-search-registries = []\n" + trusted);
        var containersConf = Path.Join(root, "containers.conf");
        await File.WriteAllTextAsync(containersConf, "[engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n[containers]\nnetns = \"host\"\n");
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["EXECUTOR"] = "kubernetesPodman",
            ["XDG_RUNTIME_DIR"] = runtimeDir,
            ["CONTAINERS_STORAGE_CONF"] = storageConf,
            ["CONTAINERS_REGISTRIES_CONF"] = registriesConf,
            ["CONTAINERS_CONF"] = containersConf,
        };
        return new FreshBuilder(root, variables, Path.Join(runtimeDir, "quay-builder-podman.sock"));
    }

    /// <summary>Points a worker's environment at this builder.</summary>
    public void ApplyTo(IDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        environment.Remove("DOCKER_HOST");
        foreach (var (name, value) in _variables)
        {
            environment[name] = value;
        }
    }
}
