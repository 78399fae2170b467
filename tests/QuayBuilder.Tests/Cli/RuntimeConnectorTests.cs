using QuayBuilder.Build;
using QuayBuilder.Cli;
using QuayBuilder.Configuration;
using QuayBuilder.Podman;
using QuayBuilder.Tests.EndToEnd;

namespace QuayBuilder.Tests.Cli;

/// <summary>What the runtime clients and the worker's own Podman service are given from the environment.</summary>
public sealed class RuntimeConnectorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("qb-connector-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static BuildSettings Settings(string? bundle, params (string Name, string Value)[] variables)
    {
        var all = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        var settings = BuildSettingsReader.Read(name => all.GetValueOrDefault(name));
        return bundle is null ? settings : settings with { Trust = new CaTrust { BundlePath = bundle, ExtraPem = "pem" } };
    }

    [Fact]
    public void OwnServiceOptions_GetTheBundleAsSslCertFileAndTheProxiesInBothSpellings()
    {
        var settings = Settings("/tmp/quay-builder-ca-x.pem", ("HTTPS_PROXY", "http://proxy:3128"), ("HTTP_PROXY", ""), ("NO_PROXY", "quay.example.com"));

        var options = RuntimeConnector.OwnServiceOptions(settings, "/tmp/podman-run-1000/podman/podman.sock");

        Assert.Equal("/tmp/podman-run-1000/podman/podman.sock", options.SocketPath);
        Assert.Equal("/tmp/quay-builder-ca-x.pem", options.Environment["SSL_CERT_FILE"]);
        Assert.Equal("http://proxy:3128", options.Environment["https_proxy"]);
        Assert.Equal("http://proxy:3128", options.Environment["HTTPS_PROXY"]);
        Assert.Equal("quay.example.com", options.Environment["no_proxy"]);
        // Empty means unset: an inherited value is removed, not passed on.
        Assert.Null(options.Environment["HTTP_PROXY"]);
        Assert.Null(options.Environment["http_proxy"]);
    }

    [Fact]
    public void ClientOptions_CarryTheProxyBuildArgumentsTheCaAndTheHintNamingTheVariables()
    {
        var settings = Settings("/b.pem", ("HTTP_PROXY", "http://proxy:3128"));

        var options = RuntimeConnector.ClientOptions(settings, "/etc/containers/certs.d");

        Assert.Equal("http://proxy:3128", options.ProxyBuildArguments["http_proxy"]);
        Assert.False(options.ProxyBuildArguments.ContainsKey("HTTPS_PROXY"));
        Assert.Equal("pem", options.RegistryCaPem);
        Assert.Equal("/etc/containers/certs.d", options.CertsDirectory);
        Assert.Contains("CA_CERT", options.CertificateHint, StringComparison.Ordinal);
        Assert.Contains("SSL_CERT_FILE", options.CertificateHint, StringComparison.Ordinal);
        Assert.Contains("/certs", options.CertificateHint, StringComparison.Ordinal);
    }

    [Fact]
    public void ExternalCertsDirectory_WhenRootfulOrUnknown_IsEtcContainersCertsD()
    {
        Assert.Equal("/etc/containers/certs.d", RuntimeConnector.ExternalCertsDirectory(null));
        Assert.Equal("/etc/containers/certs.d", RuntimeConnector.ExternalCertsDirectory(new PodmanInfo("4.3.1", "vfs", false, "runc")));
        Assert.EndsWith("/containers/certs.d", RuntimeConnector.ExternalCertsDirectory(new PodmanInfo("4.3.1", "vfs", true, "runc")), StringComparison.Ordinal);
        Assert.NotEqual("/etc/containers/certs.d", RuntimeConnector.ExternalCertsDirectory(new PodmanInfo("4.3.1", "vfs", true, "runc")));
    }

    [Fact]
    public async Task Connect_WhenDockerHostIsUnset_FindsTheServiceInTheRuntimeDirectoryOfTheGivenEnvironment()
    {
        var services = await TestServices.GetAsync();
        var runtimeDir = Directory.CreateDirectory(Path.Join(_directory, "xdg", "podman")).Parent!.FullName;
        File.CreateSymbolicLink(Path.Join(runtimeDir, "podman", "podman.sock"), services.PodmanSocket);
        var settings = Settings(null, ("XDG_RUNTIME_DIR", runtimeDir));
        await using var connector = new RuntimeConnector();

        var runtime = await connector.ConnectAsync(settings, CancellationToken.None);

        Assert.Equal(Path.Join(runtimeDir, "podman", "podman.sock"), connector.SocketPath);
        Assert.IsType<PodmanClient>(runtime);
    }

    [Fact]
    public async Task Connect_WhenNothingAnswers_FailsAsInfrastructureNamingEverySocketTried()
    {
        var dead = Path.Join(_directory, "dead.sock");
        var settings = Settings(null, ("DOCKER_HOST", "unix://" + dead), ("XDG_RUNTIME_DIR", _directory));
        await using var connector = new RuntimeConnector(TimeSpan.FromSeconds(1));

        var failure = await Assert.ThrowsAsync<BuildFailure>(() => connector.ConnectAsync(settings, CancellationToken.None));

        Assert.Equal(FailureKind.Infrastructure, failure.Kind);
        Assert.StartsWith($"No container runtime answered on {dead}, {_directory}/podman/podman.sock, /run/podman/podman.sock, /tmp/storage-run-", failure.Message, StringComparison.Ordinal);
        Assert.EndsWith(" within 1 s: start Podman's API service (systemctl start podman.socket, or `podman system service`) or set DOCKER_HOST to its socket.", failure.Message, StringComparison.Ordinal);
        Assert.Null(connector.SocketPath);
    }

    [Fact]
    public async Task Open_ChoosesTheApiContainerRuntimeNames()
    {
        await using var podman = RuntimeConnector.Open(ContainerRuntimeKind.Podman, "/run/podman/podman.sock");
        await using var docker = RuntimeConnector.Open(ContainerRuntimeKind.Docker, "/run/podman/podman.sock");

        Assert.IsType<PodmanClient>(podman);
        Assert.IsType<DockerApiClient>(docker);
    }

    [Theory]
    [InlineData("unix:///tmp/podman-run-1000/podman/podman.sock", "/run/user/1000", "/tmp/podman-run-1000/podman/podman.sock")]
    [InlineData(null, "/run/user/1000", "/run/user/1000/quay-builder-podman.sock")]
    public void OwnServicePath_IsDockerHostsElseTheRuntimeDirectorys(string? dockerHost, string xdg, string expected) =>
        Assert.Equal(expected, RuntimeConnector.OwnServicePath(ContainerSocket.Create(dockerHost, xdg, 1000)));

    [Fact]
    public void OwnServicePath_WithoutRuntimeDirectory_IsPrivateToThisProcess() =>
        Assert.Equal(
            Path.Combine(Path.GetTempPath(), $"quay-builder-podman-{Environment.ProcessId}", "quay-builder-podman.sock"),
            RuntimeConnector.OwnServicePath(ContainerSocket.Create(null, null, 1000)));
}
