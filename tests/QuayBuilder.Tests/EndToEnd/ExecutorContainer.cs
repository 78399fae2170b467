using System.Security.Cryptography.X509Certificates;
using QuayBuilder.Protocol;
using QuayBuilder.Tests.Diagnostics;
using QuayBuilder.Tests.Fakes;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>
/// One run of the builder image the way Quay's kubernetesPodman executor starts it: the image's
/// entrypoint as the `podman` user, the executor's environment, host network, no privilege beyond
/// three capabilities; against a fake manager behind TLS (its CA given as CA_CERT text), a package
/// server and the loopback registry. Run with the host's `podman` CLI.
/// </summary>
internal sealed class ExecutorContainer : IAsyncDisposable
{
    private readonly FakeManagerServer _server;
    private readonly PackageServer _packages;
    private readonly string _registriesConf;
    private readonly X509Certificate2 _leaf;

    private ExecutorContainer(FakeManagerServer server, X509Certificate2 leaf, PackageServer packages, string registriesConf, Dictionary<string, string?> environment)
    {
        _server = server;
        _leaf = leaf;
        _packages = packages;
        _registriesConf = registriesConf;
        Environment = environment;
    }

    public FakeBuildManager Manager => _server.Manager;

    public string Repository => Manager.Pack.Repository;

    public string Name { get; } = "qb-image-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The container's environment; its values reach podman through its own environment, never argv.</summary>
    public Dictionary<string, string?> Environment { get; }

    /// <summary>Every secret of this run: none may appear in the output or the build log.</summary>
    public IEnumerable<string> Secrets => [Manager.RegistrationToken, Manager.JobToken, Manager.Pack.PullToken, Manager.Pack.PushToken,
        WorkerRun.BaseImagePassword, new Uri(Manager.Pack.PackageUrl).Query.TrimStart('?')];

    /// <param name="files">The build package's files (Dockerfile included).</param>
    /// <param name="scratch">A directory for the registries.conf drop-in the container mounts.</param>
    public static async Task<ExecutorContainer> CreateAsync(IReadOnlyDictionary<string, string> files, string scratch)
    {
        var services = await TestServices.GetAsync();
        var ca = TestCertificates.CreateCa("Quay Test CA", TimeSpan.FromDays(365));
        // The manager's certificate lives as long as the manager: disposed with this run.
        var leaf = TestCertificates.CreateLeaf(ca);
        var packages = new PackageServer();
        var pack = new BuildPack
        {
            PackageUrl = packages.Add("build.tar.gz", BuildPackages.TarGz(files)),
            Repository = "e2e/image-" + Guid.NewGuid().ToString("N")[..8],
            Registry = services.Registry,
            PullToken = "pull-token-SECRET-" + Guid.NewGuid().ToString("N"),
            PushToken = "push-token-SECRET-" + Guid.NewGuid().ToString("N"),
            BaseImage = new BuildPack.Types.BaseImage { Username = "robot", Password = WorkerRun.BaseImagePassword },
        };
        pack.TagNames.Add("latest");
        var server = await FakeManagerServer.StartAsync(new FakeBuildManager(pack, "registration-token-SECRET-" + Guid.NewGuid().ToString("N")), certificate: leaf);

        // Quay's executor.py for kubernetesPodman, variable for variable (shared/docs/protocol.md).
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["TOKEN"] = server.Manager.RegistrationToken,
            ["BUILD_UUID"] = "image-" + Guid.NewGuid().ToString("N")[..8],
            ["SERVER"] = server.Address,
            ["REGISTRY_HOSTNAME"] = services.Registry,
            ["CONTAINER_RUNTIME"] = "podman",
            ["BULDAH_ISOLATION"] = "chroot",
            ["CA_CERT"] = ca.ExportCertificatePem() + "\n",
            ["GIT_SSL_CAINFO"] = "/certs/cacert.crt",
            ["TLS_CERT_PATH"] = "/certs/cacert.crt",
            ["SSL_CERT_FILE"] = "/certs/cacert.crt",
            ["DEBUG"] = "true",
            ["HTTP_PROXY"] = string.Empty,
            ["HTTPS_PROXY"] = string.Empty,
            ["NO_PROXY"] = string.Empty,
            ["DOCKER_HOST"] = "unix:///tmp/podman-run-1000/podman/podman.sock",
            ["EXECUTOR"] = "kubernetesPodman",
        };

        // The loopback test registry speaks plain HTTP: an operator's registries.conf drop-in.
        var registriesConf = Path.Join(scratch, $"registries-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(registriesConf, $"[[registry]]\nlocation = \"{services.Registry}\"\ninsecure = true\n");
        return new ExecutorContainer(server, leaf, packages, registriesConf, environment);
    }

    /// <summary>Runs the container to its end (removed after; also when the timeout cuts it).</summary>
    public async Task<ProcessResult> RunAsync(TimeSpan timeout)
    {
        var image = await BuilderImage.GetAsync();
        // Least privilege (docs/adr/0011): of every capability, only SETUID and SETGID (newuidmap and
        // newgidmap's file capabilities) and SYS_CHROOT (BUILDAH_ISOLATION=chroot) — a subset of
        // containerd's and Podman's defaults; CRI-O's default set lacks SYS_CHROOT.
        string[] arguments = ["run", "--rm", "--name", Name, "--network", "host", .. await BuilderImage.LimitOptionsAsync(),
            "--cap-drop", "all", "--cap-add", "SETUID,SETGID,SYS_CHROOT", .. AppArmorOptions(),
            "-v", $"{_registriesConf}:/etc/containers/registries.conf.d/90-e2e-registry.conf:ro",
            .. Environment.Keys.SelectMany(key => new[] { "-e", key }),
            image];
        return await BuilderImage.RunContainerAsync(Name, arguments, Environment, timeout);
    }

    /// <summary>
    /// Where AppArmor is enabled, Podman confines containers with a profile that denies mount, which
    /// Buildah's chroot isolation needs inside the nested user namespace; such a host (and a
    /// Kubernetes node with AppArmor) has to leave the builder unconfined. Not exercised on the
    /// machines this was written on, which have no LSM (docs/adr/0011).
    /// </summary>
    private static string[] AppArmorOptions() =>
        File.Exists("/sys/module/apparmor/parameters/enabled") && File.ReadAllText("/sys/module/apparmor/parameters/enabled").Trim() == "Y"
            ? ["--security-opt", "apparmor=unconfined"]
            : [];

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _packages.DisposeAsync();
        _leaf.Dispose();
    }
}
