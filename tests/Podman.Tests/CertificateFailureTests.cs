namespace QuayBuilder.Podman.Tests;

/// <summary>A registry certificate Podman does not trust fails the same way every time: one try, and a message that says what to set.</summary>
public sealed class CertificateFailureTests
{
    private static readonly RetryPolicy Fast = new()
    {
        Attempts = 3,
        InitialDelay = TimeSpan.FromMilliseconds(10),
        RateLimitedDelay = TimeSpan.FromMilliseconds(10),
        MaxDelay = TimeSpan.FromSeconds(1),
    };

    [Theory]
    [InlineData("Pulling r:5000/a:b failed: initializing source docker://r:5000/a:b: pinging container registry r:5000: Get \"https://r:5000/v2/\": x509: certificate signed by unknown authority")]
    [InlineData("Pushing r/a:b failed: tls: failed to verify certificate: x509: certificate has expired or is not yet valid")]
    public void WithCertificateHint_WhenGoCertificateError_MarksItAndAppendsTheHint(string message)
    {
        using var connection = new RuntimeConnection("/tmp/unused.sock", new RuntimeClientOptions { CertificateHint = "set CA_CERT." });

        var marked = connection.WithCertificateHint(new PodmanException(message));

        Assert.True(marked.IsCertificateFailure);
        Assert.StartsWith(message, marked.Message, StringComparison.Ordinal);
        Assert.EndsWith("The registry's TLS certificate is not trusted: set CA_CERT.", marked.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithCertificateHint_WhenOtherFailure_LeavesItAlone()
    {
        using var connection = new RuntimeConnection("/tmp/unused.sock");
        var failure = new PodmanException("Pulling a failed: manifest unknown");

        Assert.Same(failure, connection.WithCertificateHint(failure));
    }

    [Fact]
    public async Task Retry_WhenCertificateFailure_TriesOnce()
    {
        var tries = 0;
        var notices = new List<RetryNotice>();

        await Assert.ThrowsAsync<PodmanException>(async () => await Retry.Pipeline(Fast, notices.Add).ExecuteAsync(
            _ =>
            {
                tries++;
                throw new PodmanException("x509: certificate signed by unknown authority") { IsCertificateFailure = true };
            },
            CancellationToken.None));

        Assert.Equal(1, tries);
        Assert.Empty(notices);
    }

    [Theory]
    [InlineData("registry.example.com/acme/web:1", "registry.example.com")]
    [InlineData("127.0.0.1:5000/library/busybox:latest", "127.0.0.1:5000")]
    [InlineData("localhost/x:1", "localhost")]
    [InlineData("library/busybox:latest", null)]
    [InlineData("busybox", null)]
    public void RegistryHost_NamesTheCertsDirectoryEntry(string reference, string? expected)
    {
        Assert.Equal(expected, RegistryCertificates.RegistryHost(reference));
    }

    [Fact]
    public void EnsureFor_WritesTheCaOnceForTheRegistryHost()
    {
        var root = Directory.CreateTempSubdirectory("qb-certsd-");
        try
        {
            var certificates = new RegistryCertificates(new RuntimeClientOptions { CertsDirectory = root.FullName, RegistryCaPem = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----" });

            certificates.EnsureFor("reg.example.com:5443/acme/web:1");
            certificates.EnsureFor("busybox");

            var file = Path.Join(root.FullName, "reg.example.com:5443", "quay-builder-ca.crt");
            Assert.Equal("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n", File.ReadAllText(file));
            Assert.Single(Directory.EnumerateDirectories(root.FullName));
            Assert.Single(Directory.EnumerateFiles(Path.GetDirectoryName(file)!));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
