using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.Retry;
using QuayBuilder.Build;
using QuayBuilder.BuildContext;
using QuayBuilder.Configuration;
using QuayBuilder.Logging;
using QuayBuilder.Manager;
using QuayBuilder.Protocol;
using QuayBuilder.Tests.Fakes;
using QuayBuilder.Tests.Manager;

namespace QuayBuilder.Tests.Configuration;

/// <summary>
/// One <see cref="CaTrust"/>, established from CA_CERT as the worker does, on every TLS path of
/// the worker against real loopback servers signed by one openssl-made private CA
/// (<see cref="PrivateCa"/>): the manager channel, a package download, Git over HTTPS and a
/// registry look-up each reach a server that CA signed, and each refuses a server signed by a CA
/// nobody gave, at once and saying it was the TLS handshake.
/// </summary>
public sealed class CaTrustPathsTests(PrivateCa ca) : IClassFixture<PrivateCa>, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("qb-trust-paths-");

    public void Dispose() => _directory.Delete(recursive: true);

    private WorkerSettings Trusting(string caPem, string server = "localhost:1") => CaTrustSetup.Apply(
        new WorkerSettings { Manager = new ManagerSettings { Server = server, Token = "t" }, Build = new BuildSettings(), CaCert = caPem, CertsDirectory = Path.Join(_directory.FullName, "no-certs") },
        Directory.CreateDirectory(Path.Join(_directory.FullName, "tmp")).FullName);

    [Fact]
    public async Task CaTrust_ManagerChannel_ReachesTheManagerSignedByTheExtraCa()
    {
        using var leaf = ca.ServerCertificate();
        await using var server = await FakeManagerServer.StartAsync(new FakeBuildManager(ManagerTestContext.SamplePack()), certificate: leaf);
        var settings = Trusting(ca.CaPem, server.Address.Replace("127.0.0.1", "localhost", StringComparison.Ordinal));
        using var channel = ManagerChannelFactory.Create(settings);
        var session = new ManagerSession(new BuildManager.BuildManagerClient(channel), server.Address, TimeSpan.FromSeconds(5), new SecretMasker(), NullLogger.Instance);

        await session.PingAsync(CancellationToken.None);
    }

    [Fact]
    public async Task CaTrust_ManagerChannel_RefusesAManagerSignedByAnUnknownCaAtOnce()
    {
        using var leaf = ca.UnknownServerCertificate();
        await using var server = await FakeManagerServer.StartAsync(new FakeBuildManager(ManagerTestContext.SamplePack()), certificate: leaf);
        var settings = Trusting(ca.CaPem, server.Address.Replace("127.0.0.1", "localhost", StringComparison.Ordinal));
        using var channel = ManagerChannelFactory.Create(settings);
        var session = new ManagerSession(new BuildManager.BuildManagerClient(channel), server.Address, TimeSpan.FromSeconds(30), new SecretMasker(), NullLogger.Instance)
        {
            TlsHint = "CA_CERT",
        };

        var failure = await Assert.ThrowsAsync<BuildFailure>(() => session.PingAsync(CancellationToken.None));

        Assert.Contains("TLS handshake", failure.Message, StringComparison.Ordinal);
        Assert.Contains("CA_CERT", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("server")]
    [InlineData("chained")]
    public async Task CaTrust_PackageDownload_ReachesAStoreSignedByTheExtraCaOrItsIntermediate(string which)
    {
        using var leaf = which == "chained" ? ca.ChainedServerCertificate() : ca.ServerCertificate();
        using var intermediate = ca.Intermediate();
        // A real server sends its intermediates; the operator gave only the root.
        await using var server = new LoopbackHttpServer(Dockerfile, leaf, which == "chained" ? [intermediate] : null);
        var settings = Trusting(ca.CaPem);
        using var http = PackageFetcher.CreateHttpClient(SourceLimits.Default, settings.Build.Trust.ValidationCallback);

        var package = await Fetcher(http).FetchAsync(server.Url(), Path.Join(_directory.FullName, "package"), new Progress<string>(), CancellationToken.None);

        Assert.Equal("dockerfile", package.Kind);
    }

    [Fact]
    public async Task CaTrust_PackageDownload_WhenOnlyTheIntermediateIsGiven_RefusesForTheRootIsTheAnchor()
    {
        using var leaf = ca.ChainedServerCertificate();
        using var intermediate = ca.Intermediate();
        await using var server = new LoopbackHttpServer(Dockerfile, leaf, [intermediate]);
        var settings = Trusting(ca.IntermediatePem);
        using var http = PackageFetcher.CreateHttpClient(SourceLimits.Default, settings.Build.Trust.ValidationCallback);

        var error = await Assert.ThrowsAsync<SourceException>(() =>
            Fetcher(http).FetchAsync(server.Url(), Path.Join(_directory.FullName, "package"), new Progress<string>(), CancellationToken.None));

        Assert.Contains("the TLS connection failed", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("wrongname")]
    public async Task CaTrust_PackageDownload_RefusesAnUnknownCaOrAWrongNameAtOnce(string which)
    {
        using var leaf = which == "unknown" ? ca.UnknownServerCertificate() : ca.WrongNameServerCertificate();
        await using var server = new LoopbackHttpServer(Dockerfile, leaf);
        var settings = Trusting(ca.CaPem);
        using var http = PackageFetcher.CreateHttpClient(SourceLimits.Default, settings.Build.Trust.ValidationCallback);
        var log = new List<string>();

        var error = await Assert.ThrowsAsync<SourceException>(() =>
            Fetcher(http).FetchAsync(server.Url(), Path.Join(_directory.FullName, "package"), new SynchronousProgress(log), CancellationToken.None));

        Assert.Contains("the TLS connection failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("CA_CERT", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(log, line => line.Contains("retrying", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CaTrust_RegistryLookUp_ReachesARegistrySignedByTheExtraCa()
    {
        using var leaf = ca.ServerCertificate();
        await using var server = new LoopbackHttpServer(Unauthorized, leaf);
        var settings = Trusting(ca.CaPem);
        using var http = new HttpClient(settings.Build.Trust.CreateHandler(TimeSpan.FromSeconds(5)));

        using var response = await http.GetAsync(server.Url("/v2/"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task CaTrust_RegistryLookUp_RefusesAnUnknownCa()
    {
        using var leaf = ca.UnknownServerCertificate();
        await using var server = new LoopbackHttpServer(Unauthorized, leaf);
        var settings = Trusting(ca.CaPem);
        using var http = new HttpClient(settings.Build.Trust.CreateHandler(TimeSpan.FromSeconds(5)));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(server.Url("/v2/")));

        Assert.Equal(HttpRequestError.SecureConnectionError, error.HttpRequestError);
    }

    [Fact]
    public async Task CaTrust_GitOverHttps_GetsPastTlsWithTheBundleOfTheExtraCa()
    {
        using var leaf = ca.ServerCertificate();
        await using var server = new LoopbackHttpServer(NotFound, leaf);
        var settings = Trusting(ca.CaPem);
        Assert.NotNull(settings.Build.CaBundlePath);

        var error = await Assert.ThrowsAsync<SourceException>(() => FetchGitAsync(server, settings.Build.CaBundlePath));

        // The server answered 404 to git: the handshake succeeded.
        Assert.Contains("not found", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("certificate", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SSL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaTrust_GitOverHttps_RefusesAnUnknownCa()
    {
        using var leaf = ca.UnknownServerCertificate();
        await using var server = new LoopbackHttpServer(NotFound, leaf);
        var settings = Trusting(ca.CaPem);

        var error = await Assert.ThrowsAsync<SourceException>(() => FetchGitAsync(server, settings.Build.CaBundlePath));

        Assert.Contains("server certificate verification failed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CaTrust_FromPemFile_WhenUnreadable_SaysWhichFileAndVariable()
    {
        var missing = Path.Join(_directory.FullName, "missing.pem");

        var error = Assert.Throws<ConfigurationException>(() => CaTrust.FromPemFile(missing, "SSL_CERT_FILE"));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("SSL_CERT_FILE", error.Message, StringComparison.Ordinal);
    }

    private Task<GitCommitInfo> FetchGitAsync(LoopbackHttpServer server, string? bundle) =>
        new GitFetcher(new GitOptions { CaBundlePath = bundle, TotalTimeout = TimeSpan.FromSeconds(30) }).FetchAsync(
            new GitSourceRequest(server.Url("/acme/web.git").ToString(), new string('a', 40), null),
            Path.Join(_directory.FullName, "checkout"),
            Directory.CreateDirectory(Path.Join(_directory.FullName, "scratch")).FullName,
            new Progress<string>(),
            CancellationToken.None);

    /// <summary>A TLS refusal must fail on the first try: a retry would wait 30 s.</summary>
    private static PackageFetcher Fetcher(HttpClient http) =>
        new(http, SourceLimits.Default, new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.FromSeconds(30) });

    private static Task Dockerfile(int request, Stream stream, CancellationToken ct) =>
        LoopbackHttpServer.WriteResponseAsync(stream, 200, "application/octet-stream", Encoding.UTF8.GetBytes("FROM busybox\n"), ct);

    private static Task Unauthorized(int request, Stream stream, CancellationToken ct) =>
        LoopbackHttpServer.WriteResponseAsync(stream, 401, "application/json", Encoding.UTF8.GetBytes("{}"), ct);

    private static Task NotFound(int request, Stream stream, CancellationToken ct) =>
        LoopbackHttpServer.WriteResponseAsync(stream, 404, "text/plain", Encoding.UTF8.GetBytes("no\n"), ct);

    private sealed class SynchronousProgress(List<string> lines) : IProgress<string>
    {
        public void Report(string value) => lines.Add(value);
    }
}
