using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace QuayBuilder.BuildContext.Tests.Packages;

/// <summary>
/// The server-certificate rule a caller gives <see cref="PackageFetcher.CreateHttpClient"/>,
/// against a real TLS server on loopback signed by an openssl-made private CA. The worker's own
/// rule (QuayBuilder's CaTrust) is proven on every path in QuayBuilder.Tests' CaTrustPathsTests.
/// </summary>
public sealed class PackageTlsTests(PrivateCa ca) : IClassFixture<PrivateCa>, IDisposable
{
    private readonly PackageWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Fetch_WhenTheCallersRuleTrustsTheServersCa_Downloads()
    {
        using var leaf = ca.ServerCertificate();
        await using var server = new LoopbackHttpServer(Respond, leaf);
        using var http = PackageFetcher.CreateHttpClient(SourceLimits.Default, TrustOnly(ca.CaPem));

        var package = await Fetcher(http, TimeSpan.Zero).FetchAsync(server.Url(), _workspace.Destination, _workspace.Progress, CancellationToken.None);

        Assert.Equal("dockerfile", package.Kind);
        Assert.Equal("FROM busybox\n", File.ReadAllText(_workspace.PathOf("Dockerfile")));
    }

    [Fact]
    public async Task Fetch_WhenTheCallersRuleRefuses_FailsOnFirstTryNamingTheVariables()
    {
        using var leaf = ca.UnknownServerCertificate();
        await using var server = new LoopbackHttpServer(Respond, leaf);
        using var http = PackageFetcher.CreateHttpClient(SourceLimits.Default, TrustOnly(ca.CaPem));

        var error = await Assert.ThrowsAsync<SourceException>(() => Fetcher(http, TimeSpan.FromSeconds(30))
            .FetchAsync(server.Url(), _workspace.Destination, _workspace.Progress, CancellationToken.None));

        Assert.Contains("the TLS connection failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("CA_CERT", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_workspace.Log, line => line.Contains("retrying", StringComparison.Ordinal));
        Assert.False(Directory.Exists(_workspace.Destination));
    }

    [Fact]
    public async Task Fetch_WhenNoRuleIsGivenAndTheCaIsPrivate_FailsOnFirstTryNamingTheVariables()
    {
        using var leaf = ca.ServerCertificate();
        await using var server = new LoopbackHttpServer(Respond, leaf);
        using var http = PackageFetcher.CreateHttpClient(SourceLimits.Default, validateServerCertificate: null);

        var error = await Assert.ThrowsAsync<SourceException>(() => Fetcher(http, TimeSpan.FromSeconds(30))
            .FetchAsync(server.Url(), _workspace.Destination, _workspace.Progress, CancellationToken.None));

        Assert.Contains("CA_CERT", error.Message, StringComparison.Ordinal);
        Assert.Contains("SSL_CERT_FILE", error.Message, StringComparison.Ordinal);
        Assert.Contains("/certs", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PackageFetch.Signature, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_workspace.Log, line => line.Contains("retrying", StringComparison.Ordinal));
    }

    private static PackageFetcher Fetcher(HttpClient http, TimeSpan retryDelay) =>
        new(http, SourceLimits.Default, PackageFetch.Retry(retryDelay));

    /// <summary>A caller's rule in its simplest form: a chain that ends in <paramref name="caPem"/>.</summary>
    private static RemoteCertificateValidationCallback TrustOnly(string caPem)
    {
        var root = X509Certificate2.CreateFromPem(caPem);
        return (_, certificate, _, errors) =>
        {
            if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is not X509Certificate2 leaf)
            {
                return errors == SslPolicyErrors.None;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(leaf);
        };
    }

    private static Task Respond(int request, Stream stream, CancellationToken ct) =>
        LoopbackHttpServer.WriteResponseAsync(stream, 200, "application/octet-stream", Encoding.UTF8.GetBytes("FROM busybox\n"), ct);
}
