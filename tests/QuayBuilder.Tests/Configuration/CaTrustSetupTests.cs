using QuayBuilder.Configuration;
using QuayBuilder.Tests.Diagnostics;

namespace QuayBuilder.Tests.Configuration;

/// <summary>The one trust rule: which CAs are extra, which bundle is made, and where.</summary>
public sealed class CaTrustSetupTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("qb-ca-trust-");

    public void Dispose() => _root.Delete(recursive: true);

    private string PathOf(params string[] parts) => Path.Join([_root.FullName, .. parts]);

    private WorkerSettings Read(params (string Name, string Value)[] variables)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal) { ["SERVER"] = "buildman.example.com:55443", ["TOKEN"] = "t", ["CERTS_DIR"] = PathOf("no-certs") };
        foreach (var (name, value) in variables)
        {
            all[name] = value;
        }

        return WorkerSettingsReader.Read(name => all.GetValueOrDefault(name));
    }

    private (string Pem, string System) Files()
    {
        using var ca = TestCertificates.CreateCa("quay private CA", TimeSpan.FromDays(30));
        using var systemCa = TestCertificates.CreateCa("a public root", TimeSpan.FromDays(30));
        var system = PathOf("system-bundle.crt");
        File.WriteAllText(system, systemCa.ExportCertificatePem() + "\n");
        return (ca.ExportCertificatePem(), system);
    }

    private WorkerSettings Apply(WorkerSettings settings, string system) =>
        CaTrustSetup.Apply(settings, Directory.CreateDirectory(PathOf("tmp")).FullName, [system]);

    [Fact]
    public void Apply_WhenKubernetesPodmanBundleMissing_WritesCaCertPlusSystemBundle0644AndTrustsIt()
    {
        var (pem, system) = Files();
        var bundle = PathOf("certs", "cacert.crt");

        var settings = Apply(Read(("CA_CERT", pem), ("TLS_CERT_PATH", bundle), ("SSL_CERT_FILE", bundle), ("GIT_SSL_CAINFO", bundle), ("EXECUTOR", "kubernetesPodman")), system);

        Assert.Equal([bundle], settings.Build.Trust.CreatedFiles);
        Assert.Equal(pem.Trim() + "\n" + File.ReadAllText(system), File.ReadAllText(bundle));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(bundle));
        Assert.Single(settings.Build.Trust.Certificates);
        Assert.Equal("CN=quay private CA", settings.Build.Trust.Certificates[0].Subject);
        Assert.Equal(settings.Build.Trust.BundlePath, settings.Build.CaBundlePath);
        Assert.Contains(pem.Trim(), File.ReadAllText(settings.Build.Trust.BundlePath!), StringComparison.Ordinal);
        Assert.Contains(File.ReadAllText(system).Trim(), File.ReadAllText(settings.Build.Trust.BundlePath!), StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_WhenBundleCannotBeCreated_TrustsCaCertAnyway()
    {
        var (pem, system) = Files();
        File.WriteAllText(PathOf("a-file"), "not a directory");
        var bundle = PathOf("a-file", "cacert.crt");

        var settings = Apply(Read(("CA_CERT", pem), ("TLS_CERT_PATH", bundle), ("SSL_CERT_FILE", bundle)), system);

        Assert.Equal([bundle], settings.Build.Trust.UncreatableFiles);
        Assert.Single(settings.Build.Trust.Certificates);
        Assert.NotNull(settings.Build.CaBundlePath);
        Assert.Contains(pem.Trim(), File.ReadAllText(settings.Build.CaBundlePath!), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WhenBundleMissingAndNoCaCert_FailsNamingTheVariable()
    {
        var failure = Assert.Throws<ConfigurationException>(() => Read(("TLS_CERT_PATH", PathOf("certs", "cacert.crt"))));

        Assert.StartsWith("TLS_CERT_PATH names", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_WhenCertsDirectoryHoldsCasAndAKey_TrustsTheCasOnly()
    {
        var (_, system) = Files();
        using var extra = TestCertificates.CreateCa("mounted extra CA", TimeSpan.FromDays(30));
        var certs = Directory.CreateDirectory(PathOf("certs")).FullName;
        File.WriteAllText(Path.Join(certs, "extra.crt"), extra.ExportCertificatePem());
        File.WriteAllText(Path.Join(certs, "client.key"), "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n");

        var settings = Apply(Read(("CERTS_DIR", certs), ("EXECUTOR", "ec2")), system);

        Assert.Equal(["CN=mounted extra CA"], settings.Build.Trust.Certificates.Select(c => c.Subject));
        Assert.Contains(extra.ExportCertificatePem().Trim(), settings.Build.Trust.ExtraPem, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_WhenNoExtraCa_LeavesTheSystemTrustAlone()
    {
        var (_, system) = Files();

        var settings = Apply(Read(), system);

        Assert.Empty(settings.Build.Trust.Certificates);
        Assert.Null(settings.Build.Trust.BundlePath);
        Assert.Null(settings.Build.CaBundlePath);
    }

    [Fact]
    public void Apply_WhenCaCertHoldsNoCertificate_FailsNamingCaCert()
    {
        var (_, system) = Files();

        var failure = Assert.Throws<ConfigurationException>(() => Apply(Read(("CA_CERT", "not a certificate")), system));

        Assert.StartsWith("CA_CERT holds no PEM certificate", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_WhenSslCertFileIsTheSystemBundle_FindsNoExtraCa()
    {
        var (_, system) = Files();

        // The system's CAs are compared only when a source holds certificates: here it does, and
        // all of them are the system's.
        var settings = Apply(Read(("SSL_CERT_FILE", system)), system);

        Assert.Empty(settings.Build.Trust.Certificates);
        Assert.Null(settings.Build.Trust.BundlePath);
    }

    [Fact]
    public void Apply_WhenSslCertFileHoldsTheSystemBundleAndAnExtraCa_TrustsOnlyTheExtra()
    {
        var (pem, system) = Files();
        var mixed = PathOf("mixed.crt");
        File.WriteAllText(mixed, File.ReadAllText(system) + pem + "\n");

        var settings = Apply(Read(("SSL_CERT_FILE", mixed)), system);

        var extra = Assert.Single(settings.Build.Trust.Certificates);
        Assert.Contains("quay private CA", extra.Subject, StringComparison.Ordinal);
    }
}
