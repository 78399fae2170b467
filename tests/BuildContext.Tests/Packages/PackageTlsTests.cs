using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace QuayBuilder.BuildContext.Tests.Packages;

/// <summary>The CA bundle of <see cref="PackageFetcher.CreateHttpClient"/> against a real TLS server on loopback.</summary>
public sealed class PackageTlsTests : IDisposable
{
    private readonly PackageWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    [Fact]
    public async Task Fetch_WhenServerCertificateIsSignedByBundleCa_Downloads()
    {
        using var authority = CreateAuthority("QB Test CA");
        using var leaf = CreateLeaf(authority, "127.0.0.1");
        var bundle = WriteBundle(authority);
        await using var server = new LoopbackHttpServer(Respond, leaf);
        using var http = PackageFetcher.CreateHttpClient(SourceLimits.Default, bundle);

        var package = await new PackageFetcher(http, SourceLimits.Default)
            .FetchAsync(server.Url(), workspace.Destination, workspace.Progress, CancellationToken.None);

        Assert.Equal("dockerfile", package.Kind);
        Assert.Equal("FROM busybox\n", File.ReadAllText(workspace.PathOf("Dockerfile")));
    }

    [Fact]
    public async Task Fetch_WhenServerCertificateIsFromAnotherCa_Refuses()
    {
        using var authority = CreateAuthority("QB Test CA");
        using var stranger = CreateAuthority("Somebody Else");
        using var leaf = CreateLeaf(stranger, "127.0.0.1");
        var bundle = WriteBundle(authority);
        await using var server = new LoopbackHttpServer(Respond, leaf);
        using var http = PackageFetcher.CreateHttpClient(SourceLimits.Default, bundle);

        var error = await Assert.ThrowsAsync<SourceException>(() => new PackageFetcher(http, SourceLimits.Default) { RetryDelay = TimeSpan.Zero }
            .FetchAsync(server.Url(), workspace.Destination, workspace.Progress, CancellationToken.None));

        Assert.Contains("SSL", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(Directory.Exists(workspace.Destination));
    }

    [Fact]
    public async Task Fetch_WhenCertificateIsNotTrusted_FailsOnFirstTryNamingTheVariables()
    {
        using var stranger = CreateAuthority("Somebody Else");
        using var leaf = CreateLeaf(stranger, "127.0.0.1");
        await using var server = new LoopbackHttpServer(Respond, leaf);
        using var http = PackageFetcher.CreateHttpClient(SourceLimits.Default, null);

        var error = await Assert.ThrowsAsync<SourceException>(() => new PackageFetcher(http, SourceLimits.Default) { RetryDelay = TimeSpan.FromSeconds(30) }
            .FetchAsync(server.Url(), workspace.Destination, workspace.Progress, CancellationToken.None));

        Assert.Contains("CA_CERT", error.Message, StringComparison.Ordinal);
        Assert.Contains("SSL_CERT_FILE", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("topsecretsignature", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(workspace.Log, line => line.Contains("retrying", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fetch_WhenCertificateNameDoesNotMatch_RefusesEvenWithTheRightCa()
    {
        using var authority = CreateAuthority("QB Test CA");
        using var leaf = CreateLeaf(authority, "10.9.8.7");
        var bundle = WriteBundle(authority);
        await using var server = new LoopbackHttpServer(Respond, leaf);
        using var http = PackageFetcher.CreateHttpClient(SourceLimits.Default, bundle);

        await Assert.ThrowsAsync<SourceException>(() => new PackageFetcher(http, SourceLimits.Default) { RetryDelay = TimeSpan.Zero }
            .FetchAsync(server.Url(), workspace.Destination, workspace.Progress, CancellationToken.None));
    }

    [Fact]
    public void CreateHttpClient_WhenBundleUnreadable_SaysWhichFile()
    {
        var missing = Path.Join(workspace.Root, "missing.pem");

        var error = Assert.Throws<SourceException>(() => PackageFetcher.CreateHttpClient(SourceLimits.Default, missing));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("SSL_CERT_FILE", error.Message, StringComparison.Ordinal);
    }

    private static Task Respond(int request, Stream stream, CancellationToken ct) =>
        LoopbackHttpServer.WriteResponseAsync(stream, 200, "application/octet-stream", Encoding.UTF8.GetBytes("FROM busybox\n"), ct);

    private string WriteBundle(X509Certificate2 authority)
    {
        var path = Path.Join(workspace.Root, "bundle-" + Guid.NewGuid().ToString("N") + ".pem");
        File.WriteAllText(path, authority.ExportCertificatePem());
        return path;
    }

    private static X509Certificate2 CreateAuthority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 CreateLeaf(X509Certificate2 authority, string ipAddress)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=package-store", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Parse(ipAddress));
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, 4]);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
