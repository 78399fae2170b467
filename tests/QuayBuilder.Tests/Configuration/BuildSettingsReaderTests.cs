using QuayBuilder.Configuration;

namespace QuayBuilder.Tests.Configuration;

/// <summary>The build's settings, as <c>local</c> and each line of <c>check</c> read them: no manager needed.</summary>
public sealed class BuildSettingsReaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("qb-build-settings-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static BuildSettings Read(params (string Name, string Value)[] variables)
    {
        var all = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return BuildSettingsReader.Read(name => all.GetValueOrDefault(name));
    }

    [Fact]
    public void Read_WithAnEmptyEnvironment_NeedsNoServerNorTokenAndUsesTheDefaults()
    {
        var settings = Read();

        Assert.Equal(ContainerRuntimeKind.Podman, settings.Runtime);
        Assert.Equal("chroot", settings.Isolation);
        Assert.Null(settings.RuntimeSocket);
        Assert.Equal(Path.GetTempPath(), settings.WorkRoot);
        Assert.Equal(64L * 1024 * 1024, settings.LogMaxBytes);
        Assert.Equal(TimeSpan.FromMinutes(15), settings.GitTotalTimeout);
        Assert.True(settings.ReproducibleTimestamp);
        Assert.Null(settings.CaBundlePath);
        Assert.Same(CaTrust.None, settings.Trust);
    }

    [Fact]
    public void Read_WhenTheManagersVariablesAreBadOrMissing_DoesNotReadThem()
    {
        // Each of these ends worker mode with exit 2; none of them concerns a build.
        var settings = Read(("SERVER", "no-port"), ("INSECURE", "maybe"), ("HEARTBEAT_INTERVAL", "45"), ("REGISTRATION_TIMEOUT", "soon"), ("TLS_CERT_PATH", "/nonexistent/ca.pem"));

        Assert.Equal("chroot", settings.Isolation);
    }

    [Fact]
    public void Read_TakesTheRuntimeDirectoryFromTheGivenEnvironment()
    {
        var settings = Read(("XDG_RUNTIME_DIR", "/run/user/4242"), ("DOCKER_HOST", "unix:/var/run/podman/podman.sock"));

        Assert.Equal("/var/run/podman/podman.sock", settings.RuntimeSocket);
        Assert.Equal("/var/run/podman/podman.sock", settings.Sockets.Candidates[0]);
        Assert.Equal("/run/user/4242/podman/podman.sock", settings.Sockets.Candidates[1]);
    }

    [Fact]
    public void Read_WhenSslCertFileIsMissingButCaCertIsSet_KeepsThePathForTheWorkerToMake()
    {
        var missing = Path.Join(_directory, "certs", "cacert.crt");

        Assert.Equal(missing, Read(("SSL_CERT_FILE", missing), ("CA_CERT", "-----BEGIN CERTIFICATE-----")).CaBundlePath);
    }

    [Fact]
    public void Read_WhenOnlyGitSslCainfoIsSet_UsesItForDownloadsAndGit()
    {
        var bundle = Path.Join(_directory, "bundle.pem");
        File.WriteAllText(bundle, "pem");

        Assert.Equal(bundle, Read(("GIT_SSL_CAINFO", bundle)).CaBundlePath);
    }

    [Theory]
    [InlineData("CONTAINER_RUNTIME", "rkt", "CONTAINER_RUNTIME 'rkt' is not supported: use podman (the default) or docker.")]
    [InlineData("DOCKER_HOST", "tcp://127.0.0.1:2375", "DOCKER_HOST 'tcp://127.0.0.1:2375' is not a unix socket: quay-builder talks to Podman or Docker only over a local socket. Set DOCKER_HOST to unix:///path/to/podman.sock or leave it unset.")]
    [InlineData("DOCKER_HOST", "unix://relative.sock", "DOCKER_HOST 'unix://relative.sock' does not name an absolute socket path. Use unix:///path/to/podman.sock.")]
    [InlineData("BULDAH_ISOLATION", "vm", "BULDAH_ISOLATION 'vm' is not supported: use chroot, oci or rootless.")]
    [InlineData("DEBUG", "maybe", "DEBUG 'maybe' is not a boolean: use true or false.")]
    [InlineData("PACKAGE_MAX_ENTRIES", "many", "PACKAGE_MAX_ENTRIES 'many' is not a positive whole number.")]
    [InlineData("PACKAGE_IDLE_TIMEOUT", "0", "PACKAGE_IDLE_TIMEOUT '0' is not a positive number of seconds.")]
    [InlineData("WORK_DIR", "/nonexistent/work", "WORK_DIR names '/nonexistent/work', which is not a directory: create it or unset WORK_DIR.")]
    public void Read_WhenAValueIsBad_FailsWithTheWorkersMessage(string variable, string value, string expected) =>
        Assert.Equal(expected, Assert.Throws<ConfigurationException>(() => Read((variable, value))).Message);

    [Theory]
    [InlineData("SSL_CERT_FILE")]
    [InlineData("GIT_SSL_CAINFO")]
    [InlineData("GIT_KNOWN_HOSTS")]
    public void Read_WhenAFileCannotBeRead_NamesTheVariableAndTheFix(string variable)
    {
        var message = Assert.Throws<ConfigurationException>(() => Read((variable, "/nonexistent/file"))).Message;

        Assert.StartsWith($"{variable} names '/nonexistent/file', which cannot be read (", message, StringComparison.Ordinal);
        Assert.EndsWith($"): fix the path or unset {variable}.", message, StringComparison.Ordinal);
    }
}
