using QuayBuilder.Protocol;
using QuayBuilder.Tests.Fakes;

namespace QuayBuilder.Tests.EndToEnd;

/// <summary>
/// The environments Quay's executors hand the worker (protocol.md, last section), run as given
/// against a registry and a manager whose certificates a private CA signed.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ExecutorEnvironmentTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("qb-executor-env-");

    public void Dispose() => Directory.Delete(_root.FullName, recursive: true);

    /// <summary>
    /// kubernetesPodman, literally: TLS_CERT_PATH=SSL_CERT_FILE=GIT_SSL_CAINFO name a bundle
    /// nobody made, the CA comes only as CA_CERT, BULDAH_ISOLATION (sic), empty proxies, and
    /// nothing answers on DOCKER_HOST, so the worker starts Podman's service itself. Registers
    /// over TLS, pulls the base from and pushes to the private-CA registry, completes.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Worker_WhenKubernetesPodmanEnvironment_MakesTheBundleRegistersOverTlsAndCompletes(bool literalCertsPath)
    {
        var services = await TestServices.GetAsync();
        await using var registry = await PrivateCaRegistry.StartAsync(services);
        string bundle;
        if (literalCertsPath)
        {
            // CI runs as root on a fresh machine, where /certs does not exist: exactly the pod's case.
            Assert.True(Environment.UserName == "root" || Environment.GetEnvironmentVariable("CI") != "true", "CI must run as root");
            if (Environment.UserName != "root" || File.Exists("/certs/cacert.crt"))
            {
                return; // a developer machine without root, or with a real /certs: the temporary path case covers it
            }

            bundle = "/certs/cacert.crt";
        }
        else
        {
            bundle = Path.Join(_root.FullName, "certs", "cacert.crt");
        }

        var madeCertsDirectory = literalCertsPath && !Directory.Exists("/certs");
        try
        {
            var own = Directory.CreateDirectory(Path.Join(_root.FullName, "own")).FullName;
            var package = BuildPackages.TarGz(new Dictionary<string, string> { ["Dockerfile"] = $"FROM {registry.BaseImage}\nRUN echo built-in-the-pod\n" });
            await using var run = await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package));
            run.Manager.Pack.Registry = registry.Address;
            await using var tlsManager = await FakeManagerServer.StartAsync(run.Manager, certificate: registry.ServerCertificate());

            // What the executor sets, with our temporary places for the service's storage and socket.
            run.Environment.Remove("INSECURE");
            run.Environment.Remove("BUILDAH_ISOLATION");
            run.Environment["SERVER"] = tlsManager.Address;
            run.Environment["EXECUTOR"] = "kubernetesPodman";
            run.Environment["BULDAH_ISOLATION"] = "chroot";
            run.Environment["CA_CERT"] = registry.CaPem;
            run.Environment["TLS_CERT_PATH"] = bundle;
            run.Environment["SSL_CERT_FILE"] = bundle;
            run.Environment["GIT_SSL_CAINFO"] = bundle;
            run.Environment["HTTP_PROXY"] = string.Empty;
            run.Environment["HTTPS_PROXY"] = string.Empty;
            run.Environment["NO_PROXY"] = string.Empty;
            run.Environment["DOCKER_HOST"] = $"unix://{own}/podman-run-1000/podman/podman.sock";
            run.Environment["CERTS_DIR"] = Path.GetDirectoryName(bundle);
            run.Environment["TMPDIR"] = _root.FullName;
            OwnServiceConfiguration(run, own);

            var result = await run.RunAsync();

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
            Assert.Contains(run.Manager.LogLines, l => l.Text == "built-in-the-pod\n");
            Assert.Equal(["latest"], await registry.TagsAsync(run.Repository));

            // The bundle the executor names: CA_CERT first, then the system's CAs, readable by all.
            var text = await File.ReadAllTextAsync(bundle);
            Assert.StartsWith(registry.CaPem.Trim(), text, StringComparison.Ordinal);
            Assert.True(text.Split("BEGIN CERTIFICATE").Length > 10, "the system bundle was not appended");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(bundle));
        }
        finally
        {
            if (literalCertsPath && bundle is not null)
            {
                File.Delete(bundle);
                if (madeCertsDirectory)
                {
                    Directory.Delete("/certs");
                }
            }
        }
    }

    /// <summary>
    /// A Podman service the worker did not start, and the registry's CA given only as CA_CERT:
    /// the worker writes it into the service's certs.d for that registry, which the service reads
    /// at the next pull (measured, docs/adr/0008). Without CA_CERT the same build fails at once —
    /// one try, no retries — saying which variable to set.
    /// </summary>
    [Fact]
    public async Task Worker_WhenExternalServiceAndCaOnlyInCaCert_PullsAndPushes_AndWithoutItFailsOnceNamingTheVariable()
    {
        var services = await TestServices.GetAsync();
        await using var registry = await PrivateCaRegistry.StartAsync(services);
        var certsEntry = Path.Join("/etc/containers/certs.d", registry.Address);
        var madeCertsD = !Directory.Exists("/etc/containers/certs.d");
        try
        {
            var package = BuildPackages.TarGz(new Dictionary<string, string> { ["Dockerfile"] = $"FROM {registry.BaseImage}\nRUN echo built-on-external\n" });

            await using (var untrusted = await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package)))
            {
                untrusted.Manager.Pack.Registry = registry.Address;
                untrusted.Environment["CERTS_DIR"] = _root.FullName;
                untrusted.Environment["TMPDIR"] = _root.FullName;

                var failed = await untrusted.RunAsync();

                Assert.NotEqual(0, failed.ExitCode);
                Assert.Equal(Phase.Error, untrusted.Manager.PhaseSequence[^1]);
                var error = untrusted.Manager.LogLines.Last(l => l.Json.Contains("\"error\"", StringComparison.Ordinal)).Text;
                Assert.Contains("x509", error, StringComparison.Ordinal);
                Assert.Contains("CA_CERT", error, StringComparison.Ordinal);
                Assert.DoesNotContain(untrusted.Manager.LogLines, l => l.Text.Contains("retrying", StringComparison.Ordinal));
            }

            await using var run = await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package));
            run.Manager.Pack.Registry = registry.Address;
            run.Environment["CA_CERT"] = registry.CaPem;
            run.Environment["CERTS_DIR"] = _root.FullName;
            run.Environment["TMPDIR"] = _root.FullName;

            var result = await run.RunAsync();

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(Phase.Complete, run.Manager.PhaseSequence[^1]);
            Assert.Contains(run.Manager.LogLines, l => l.Text == "built-on-external\n");
            Assert.Equal(["latest"], await registry.TagsAsync(run.Repository));
            Assert.Equal(registry.CaPem.Trim(), (await File.ReadAllTextAsync(Path.Join(certsEntry, "quay-builder-ca.crt"))).Trim());
        }
        finally
        {
            if (Directory.Exists(certsEntry))
            {
                Directory.Delete(certsEntry, recursive: true);
            }

            if (madeCertsD && Directory.Exists("/etc/containers/certs.d") && !Directory.EnumerateFileSystemEntries("/etc/containers/certs.d").Any())
            {
                Directory.Delete("/etc/containers/certs.d");
            }
        }
    }

    /// <summary>
    /// popen's environment with a forward proxy: the RUN step reaches a host only the proxy
    /// routes to (tinyproxy's log names the request), and the pushed image keeps no trace of the
    /// proxy in its config or history (predefined build arguments are not persisted).
    /// </summary>
    [Fact]
    public async Task Worker_WhenProxyIsSet_RunStepGoesThroughItAndTheImageDoesNotKeepIt()
    {
        await using var proxy = await ForwardProxy.StartAsync();
        var origin = proxy.OriginUrl("through-proxy-" + Guid.NewGuid().ToString("N")[..8]);
        var package = BuildPackages.TarGz(new Dictionary<string, string>
        {
            ["Dockerfile"] = $"FROM {(await TestServices.GetAsync()).BaseImage}\nRUN wget -q -O- {origin}\n",
        });
        await using var run = await WorkerRun.CreateAsync(p => p.Add("build.tar.gz", package));
        run.Environment["EXECUTOR"] = "popen";
        run.Environment["HTTP_PROXY"] = proxy.Url;
        run.Environment["HTTPS_PROXY"] = proxy.Url;
        // The manager, the package server and the registry are on 127.0.0.1: not through the proxy.
        run.Environment["NO_PROXY"] = "127.0.0.1,localhost";
        run.Environment["CERTS_DIR"] = _root.FullName;

        var result = await run.RunAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(run.Manager.LogLines, l => l.Text == ForwardProxy.OriginAnswer + "\n");
        Assert.Contains($"GET {origin} HTTP/1.1", proxy.Log, StringComparison.Ordinal);

        var (config, history) = await ConfigAndHistoryAsync(run.Services.Registry, run.Repository);
        Assert.Contains(origin, history, StringComparison.Ordinal);
        foreach (var text in new[] { config, history })
        {
            Assert.DoesNotContain(proxy.Url["http://".Length..], text, StringComparison.Ordinal);
            Assert.DoesNotContain("proxy=", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("PROXY", text, StringComparison.Ordinal);
        }
    }

    /// <summary>The pushed image's config (without history) and its history, as the registry serves them.</summary>
    private static async Task<(string Config, string History)> ConfigAndHistoryAsync(string registry, string repository)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{registry}/") };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/latest");
        ImageIndexReader.AcceptAll(request);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var manifest = await ImageIndexReader.ImageAsync(http, repository, System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
        var digest = manifest.RootElement.GetProperty("config").GetProperty("digest").GetString();
        using var blob = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"v2/{repository}/blobs/{digest}"));
        var root = blob.RootElement;
        var history = root.GetProperty("history").GetRawText();
        var config = root.GetProperty("config").GetRawText() + (root.TryGetProperty("container_config", out var container) ? container.GetRawText() : string.Empty);
        return (config, history);
    }

    /// <summary>Storage, runtime and registries for the service the worker starts (the image's own files, here in a temporary directory).</summary>
    private static void OwnServiceConfiguration(WorkerRun run, string own)
    {
        var storageConf = Path.Join(own, "storage.conf");
        File.WriteAllText(storageConf, $"[storage]\ndriver = \"vfs\"\ngraphroot = \"{own}/storage\"\nrunroot = \"{own}/run\"\n");
        var registriesConf = Path.Join(own, "registries.conf");
        // The private-CA registry is NOT listed as insecure: its TLS is verified.
        File.WriteAllText(registriesConf, "unqualified-search-registries = []\n");
        var containersConf = Path.Join(own, "containers.conf");
        File.WriteAllText(containersConf, "[engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n[containers]\nnetns = \"host\"\n");
        run.Environment["CONTAINERS_STORAGE_CONF"] = storageConf;
        run.Environment["CONTAINERS_REGISTRIES_CONF"] = registriesConf;
        run.Environment["CONTAINERS_CONF"] = containersConf;
    }
}
