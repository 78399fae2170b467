using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;
using QuayBuilder.Diagnostics;
using QuayBuilder.Protocol;
using QuayBuilder.Tests.EndToEnd;
using QuayBuilder.Tests.Fakes;
using Xunit.Abstractions;

namespace QuayBuilder.Tests.Diagnostics;

public sealed class CheckCommandTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("qb-check-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Check_WhenManagerPodmanRegistryAndCasAreHealthy_ExitsZeroWithEveryLineOk()
    {
        var services = await TestServices.GetAsync();
        using var ca = TestCertificates.CreateCa("Quay Test CA", TimeSpan.FromDays(365));
        using var leaf = TestCertificates.CreateLeaf(ca);
        var caPath = TestCertificates.WritePem(_directory, "ca.pem", ca);
        await using var manager = await FakeManagerServer.StartAsync(new FakeBuildManager(new BuildPack()), certificate: leaf);
        await using var registry = await RegistryStub.StartAsync(leaf);
        var token = Jwt(DateTimeOffset.UtcNow.AddMinutes(10));

        var (status, lines) = await RunAsync(new()
        {
            ["SERVER"] = manager.Address,
            ["TOKEN"] = token,
            ["TLS_CERT_PATH"] = caPath,
            ["SSL_CERT_FILE"] = caPath,
            ["DOCKER_HOST"] = "unix://" + services.PodmanSocket,
            ["BULDAH_ISOLATION"] = "chroot",
            ["REGISTRY_HOSTNAME"] = registry.Host,
            ["WORK_DIR"] = _directory,
        });

        Assert.All(lines, line => Assert.StartsWith("ok   ", line, StringComparison.Ordinal));
        Assert.Equal(0, status);
        Assert.Equal(["config", "token", "manager", "clock", "podman", "registry", "ca", "ca", "git", "ssh", "workdir"], lines.Select(Name));
        Assert.Contains($"manager  {manager.Address} answered ping (TLS, ", lines[2], StringComparison.Ordinal);
        Assert.Equal(1, manager.Manager.Pings);
        Assert.Contains("in step with the manager", lines[3], StringComparison.Ordinal);
        Assert.Matches($@"^ok   podman   {services.PodmanSocket}: Podman \d+\.\d+\.\d+, (rootless|rootful), storage vfs, runtime runc, isolation chroot \(BULDAH_ISOLATION\)$", lines[4]);
        Assert.Contains($"https://{registry.Host}/v2/ answered 401", lines[5], StringComparison.Ordinal);
        Assert.Contains($"TLS_CERT_PATH {caPath}: 1 certificate: CN=Quay Test CA until ", lines[6], StringComparison.Ordinal);
        Assert.Contains($"SSL_CERT_FILE {caPath}: 1 certificate", lines[7], StringComparison.Ordinal);
        Assert.StartsWith("ok   git      git version ", lines[8], StringComparison.Ordinal);
        Assert.StartsWith("ok   ssh      OpenSSH", lines[9], StringComparison.Ordinal);
        Assert.Contains("TOKEN set (JWT, 3 parts, expires ", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, line => line.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_WhenPlaintextManagerAnswers_SaysPlaintext()
    {
        await using var manager = await FakeManagerServer.StartAsync(new FakeBuildManager(new BuildPack()));

        var (_, lines) = await RunAsync(new() { ["SERVER"] = manager.Address, ["INSECURE"] = "true", ["TOKEN"] = Jwt(null) });

        Assert.Contains($"ok   manager  {manager.Address} answered ping (plaintext, ", Line(lines, "manager"), StringComparison.Ordinal);
        Assert.StartsWith("ok   clock    ", Line(lines, "clock"), StringComparison.Ordinal);
        Assert.Equal("ok   token    TOKEN set (JWT, 3 parts)", Line(lines, "token"));
    }

    [Fact]
    public async Task Check_WhenManagerPortClosedSocketMissingAndCaBundleGarbage_FailsEachWithItsFixAndHidesTheToken()
    {
        const string token = "registration-token-SECRET-0123456789abcdef";
        var garbage = Path.Join(_directory, "garbage.pem");
        await File.WriteAllTextAsync(garbage, "this is not a certificate\n");
        var missingSocket = Path.Join(_directory, "missing", "podman.sock");

        var (status, lines) = await RunAsync(new()
        {
            ["SERVER"] = $"127.0.0.1:{LoopbackPort.Free()}",
            ["TOKEN"] = token,
            ["SSL_CERT_FILE"] = garbage,
            ["DOCKER_HOST"] = "unix://" + missingSocket,
        });

        var failures = lines.Where(line => line.StartsWith("FAIL ", StringComparison.Ordinal)).ToList();
        Assert.Equal(failures.Count, status);
        Assert.Equal(["token", "manager", "podman", "ca"], failures.Select(Name));
        Assert.All(failures, line => Assert.Contains(" — ", line, StringComparison.Ordinal));
        Assert.Contains("TOKEN is set but is not a JWT", Line(lines, "token"), StringComparison.Ordinal);
        Assert.Contains("did not answer ping over TLS (Connection refused", Line(lines, "manager"), StringComparison.Ordinal);
        Assert.Contains("check that the manager runs, that SERVER names its gRPC port", Line(lines, "manager"), StringComparison.Ordinal);
        Assert.Equal("skip clock    skew not visible: the manager did not answer", Line(lines, "clock"));
        Assert.Contains($"DOCKER_HOST names {missingSocket}, but no such socket — start Podman's API service", Line(lines, "podman"), StringComparison.Ordinal);
        Assert.Contains($"SSL_CERT_FILE {garbage} holds no PEM certificate — ", Line(lines, "ca"), StringComparison.Ordinal);
        Assert.DoesNotContain(lines, line => line.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains("SECRET", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_WhenTlsCertPathIsGarbage_FailsTheCaLineOnceAndSkipsTheManager()
    {
        using var ca = TestCertificates.CreateCa("Manager CA", TimeSpan.FromDays(365));
        using var leaf = TestCertificates.CreateLeaf(ca);
        await using var manager = await FakeManagerServer.StartAsync(new FakeBuildManager(new BuildPack()), certificate: leaf);
        var garbage = Path.Join(_directory, "garbage.pem");
        await File.WriteAllTextAsync(garbage, "-----BEGIN NOTHING-----\nnot base64 at all\n");

        var (status, lines) = await RunAsync(new() { ["SERVER"] = manager.Address, ["TLS_CERT_PATH"] = garbage, ["TOKEN"] = Jwt(null) });

        Assert.StartsWith($"FAIL ca       TLS_CERT_PATH {garbage} holds no PEM certificate — ", Line(lines, "ca"), StringComparison.Ordinal);
        Assert.Equal($"skip manager  {manager.Address} not asked: the CA certificates in TLS_CERT_PATH/CA_CERT are unusable (see the ca lines)", Line(lines, "manager"));
        Assert.Equal(0, manager.Manager.Pings);
        Assert.Equal(lines.Count(l => l.StartsWith("FAIL ", StringComparison.Ordinal)), status);
    }

    [Fact]
    public async Task Check_WhenTlsManagerIsSignedByAnotherCa_FailsManagerNamingTheCaFile()
    {
        using var managerCa = TestCertificates.CreateCa("Manager CA", TimeSpan.FromDays(365));
        using var otherCa = TestCertificates.CreateCa("Some Other CA", TimeSpan.FromDays(365));
        using var leaf = TestCertificates.CreateLeaf(managerCa);
        var otherPath = TestCertificates.WritePem(_directory, "other.pem", otherCa);
        await using var manager = await FakeManagerServer.StartAsync(new FakeBuildManager(new BuildPack()), certificate: leaf);

        var (status, lines) = await RunAsync(new() { ["SERVER"] = manager.Address, ["TLS_CERT_PATH"] = otherPath });

        var line = Line(lines, "manager");
        Assert.StartsWith($"FAIL manager  {manager.Address}: the TLS handshake failed: the manager's certificate is not signed by a CA the worker trusts", line, StringComparison.Ordinal);
        Assert.Contains($"the worker trusts the system CAs and TLS_CERT_PATH {otherPath} — set TLS_CERT_PATH to the CA that signed the manager's certificate", line, StringComparison.Ordinal);
        Assert.StartsWith("ok   ca       ", Line(lines, "ca"), StringComparison.Ordinal);
        Assert.Equal(0, manager.Manager.Pings);
        Assert.Equal(lines.Count(l => l.StartsWith("FAIL ", StringComparison.Ordinal)), status);
    }

    [Fact]
    public async Task Check_WhenTokenMissingAndServerHasNoPort_ReportsBothAndStillRunsTheOtherChecks()
    {
        var (status, lines) = await RunAsync(new() { ["SERVER"] = "buildman.example.com", ["HEARTBEAT_INTERVAL"] = "50" });

        Assert.StartsWith("FAIL token    TOKEN is not set", Line(lines, "token"), StringComparison.Ordinal);
        Assert.Equal("FAIL manager  SERVER 'buildman.example.com' has no port: give host:port, for example buildman.example.com:50051 (plaintext) or buildman.example.com:55443 (TLS).", Line(lines, "manager"));
        Assert.StartsWith("FAIL config   HEARTBEAT_INTERVAL is 50 s", Line(lines, "config"), StringComparison.Ordinal);
        Assert.StartsWith("ok   git      ", Line(lines, "git"), StringComparison.Ordinal);
        Assert.StartsWith("ok   workdir  ", Line(lines, "workdir"), StringComparison.Ordinal);
        Assert.Equal("skip registry REGISTRY_HOSTNAME not set (Quay sets it for each build); nothing to check", Line(lines, "registry"));
        Assert.Equal(lines.Count(l => l.StartsWith("FAIL ", StringComparison.Ordinal)), status);
        Assert.True(status >= 3);
    }

    [Fact]
    public async Task Check_WhenTokenExpired_FailsNamingJobRegistrationTimeout()
    {
        var (_, lines) = await RunAsync(new() { ["TOKEN"] = Jwt(DateTimeOffset.UtcNow.AddMinutes(-5)) });

        Assert.Contains("TOKEN expired at ", Line(lines, "token"), StringComparison.Ordinal);
        Assert.Contains("raise JOB_REGISTRATION_TIMEOUT", Line(lines, "token"), StringComparison.Ordinal);
        Assert.StartsWith("FAIL ", Line(lines, "token"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WhenCaCertExpiresWithinThirtyDays_WarnsWithoutFailing()
    {
        using var soon = TestCertificates.CreateCa("Expiring CA", TimeSpan.FromDays(10));

        var (_, lines) = await RunAsync(new() { ["CA_CERT"] = soon.ExportCertificatePem() });

        var ca = lines.Where(line => Name(line) == "ca").ToList();
        Assert.Equal(2, ca.Count);
        Assert.StartsWith("ok   ca       CA_CERT: 1 certificate: CN=Expiring CA until ", ca[0], StringComparison.Ordinal);
        Assert.Matches(@"^warn ca       CA_CERT: CN=Expiring CA expires on \d{4}-\d\d-\d\d, in (9|10) days — get the CA's renewed certificate into CA_CERT before then\.$", ca[1]);
    }

    [Fact]
    public async Task Check_WhenKubernetesPodmanBundleNotMadeYet_SaysTheWorkerMakesItFromCaCert()
    {
        using var ca = TestCertificates.CreateCa("Quay CA", TimeSpan.FromDays(300));
        var bundle = Path.Join(_directory, "certs", "cacert.crt");

        var (_, lines) = await RunAsync(new() { ["CA_CERT"] = ca.ExportCertificatePem(), ["TLS_CERT_PATH"] = bundle, ["SSL_CERT_FILE"] = bundle });

        var ca0 = lines.Where(line => Name(line) == "ca").ToList();
        Assert.Equal($"ok   ca       TLS_CERT_PATH {bundle} does not exist yet: the worker makes it at start from CA_CERT and the system's CAs (or, where it cannot, trusts CA_CERT without it)", ca0[0]);
        Assert.StartsWith($"ok   ca       SSL_CERT_FILE {bundle} does not exist yet", ca0[1], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, line => line.StartsWith("FAIL ca", StringComparison.Ordinal));
        Assert.False(File.Exists(bundle), "check must not create files");
    }

    [Fact]
    public async Task Check_WhenABigBundleHasExpiringCas_WarnsOnceForTheBundle()
    {
        var validities = new[] { 5, 20, 400, 500, 600, 700 };
        var certificates = validities.Select(days => TestCertificates.CreateCa($"Bundle CA {days}", TimeSpan.FromDays(days))).ToList();
        var bundle = Path.Join(_directory, "bundle.pem");
        await File.WriteAllTextAsync(bundle, string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n")));
        certificates.ForEach(c => c.Dispose());

        var (status, lines) = await RunAsync(new() { ["SSL_CERT_FILE"] = bundle });

        var ca = lines.Where(line => Name(line) == "ca").ToList();
        Assert.Equal(2, ca.Count);
        Assert.Matches($@"^ok   ca       SSL_CERT_FILE {bundle}: 6 certificates, soonest to expire: Bundle CA 5 until \d{{4}}-\d\d-\d\d$", ca[0]);
        Assert.StartsWith($"warn ca       SSL_CERT_FILE {bundle}: 2 of 6 certificates expired or expire within 30 days (soonest: Bundle CA 5, ", ca[1], StringComparison.Ordinal);
        Assert.Equal(lines.Count(l => l.StartsWith("FAIL ", StringComparison.Ordinal)), status);
    }

    [Fact]
    public async Task Check_WhenRegistryCertificateIsUntrusted_FailsNamingSslCertFile()
    {
        using var ca = TestCertificates.CreateCa("Registry CA", TimeSpan.FromDays(365));
        using var leaf = TestCertificates.CreateLeaf(ca);
        await using var registry = await RegistryStub.StartAsync(leaf);

        var (_, lines) = await RunAsync(new() { ["REGISTRY_HOSTNAME"] = registry.Host });

        Assert.Contains($"FAIL registry https://{registry.Host}/v2/: the TLS handshake failed (", Line(lines, "registry"), StringComparison.Ordinal);
        Assert.EndsWith("the worker trusts the system CAs only — add the CA that signed the registry's certificate to SSL_CERT_FILE.", Line(lines, "registry"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolCheck_WhenProgramIsMissing_FailsWithTheInstallHint()
    {
        var line = await ToolCheck.RunAsync("git", "quay-builder-no-such-git", "--version", "install git", CancellationToken.None);

        Assert.Equal(CheckStatus.Fail, line.Status);
        Assert.StartsWith("FAIL git      quay-builder-no-such-git cannot be run (", line.ToString(), StringComparison.Ordinal);
        Assert.EndsWith(") — install git.", line.ToString(), StringComparison.Ordinal);
    }

    private async Task<(int Status, List<string> Lines)> RunAsync(Dictionary<string, string> environment)
    {
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int status = await CheckCommand.RunAsync(name => environment.GetValueOrDefault(name), output, timeout.Token);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        log.WriteLine($"{output}(exit status {status})");
        return (status, lines);
    }

    private static string Name(string line) => line[5..14].TrimEnd();

    private static string Line(List<string> lines, string name) => Assert.Single(lines, line => Name(line) == name);

    private static string Jwt(DateTimeOffset? expires)
    {
        static string Part(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
        var payload = expires is { } at ? $"{{\"iss\":\"quay\",\"exp\":{at.ToUnixTimeSeconds()}}}" : "{\"iss\":\"quay\"}";
        return $"{Part("{\"alg\":\"HS256\",\"typ\":\"JWT\"}")}.{Part(payload)}.{Base64Url.EncodeToString(Guid.NewGuid().ToByteArray())}";
    }
}
