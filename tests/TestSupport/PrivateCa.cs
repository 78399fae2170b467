using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;

namespace QuayBuilder.TestSupport;

/// <summary>
/// A private CA made with openssl (as an operator makes one), shared by every test that makes a
/// worker TLS path (manager, downloads, Git, registries) meet a server it signed: a root, an
/// intermediate, server certificates for 127.0.0.1 and localhost, and a stranger CA nobody trusts.
/// Made once per test class (an xunit class fixture); openssl with P-256 keys takes well under a second.
/// </summary>
public sealed class PrivateCa : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("qb-private-ca-");

    public PrivateCa()
    {
        try
        {
            NewCa("root", "quay-builder test private CA", issuer: null);
            NewCa("intermediate", "quay-builder test intermediate CA", issuer: "root");
            NewCa("stranger", "somebody else's CA", issuer: null);
            NewServer("server", "root", "IP:127.0.0.1,DNS:localhost");
            NewServer("chained", "intermediate", "IP:127.0.0.1,DNS:localhost");
            NewServer("unknown", "stranger", "IP:127.0.0.1,DNS:localhost");
            NewServer("wrongname", "root", "IP:10.9.8.7,DNS:elsewhere.invalid");
        }
        catch
        {
            _directory.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>The root CA's certificate file (what TLS_CERT_PATH or a /certs file holds).</summary>
    public string CaPath => PathOf("root.crt");

    /// <summary>The root CA as PEM text (what CA_CERT holds).</summary>
    public string CaPem => File.ReadAllText(CaPath);

    public string StrangerCaPem => File.ReadAllText(PathOf("stranger.crt"));

    /// <summary>A directory private to the fixture for a test's files.</summary>
    public string Scratch(string name) => Directory.CreateDirectory(PathOf(name)).FullName;

    /// <summary>Signed by the root, for 127.0.0.1 and localhost.</summary>
    public X509Certificate2 ServerCertificate() => WithKey("server");

    /// <summary>Signed by the intermediate, for 127.0.0.1 and localhost; the server must send <see cref="Intermediate"/> with it.</summary>
    public X509Certificate2 ChainedServerCertificate() => WithKey("chained");

    /// <summary>The intermediate as PEM text: an operator may give it, not the root, as the CA to trust.</summary>
    public string IntermediatePem => File.ReadAllText(PathOf("intermediate.crt"));

    public X509Certificate2 Intermediate() => X509CertificateLoader.LoadCertificateFromFile(PathOf("intermediate.crt"));

    /// <summary>Signed by the stranger CA, for 127.0.0.1 and localhost.</summary>
    public X509Certificate2 UnknownServerCertificate() => WithKey("unknown");

    /// <summary>Signed by the root, but for another host.</summary>
    public X509Certificate2 WrongNameServerCertificate() => WithKey("wrongname");

    public void Dispose() => _directory.Delete(recursive: true);

    private string PathOf(string name) => Path.Join(_directory.FullName, name);

    private X509Certificate2 WithKey(string name)
    {
        using var pem = X509Certificate2.CreateFromPemFile(PathOf(name + ".crt"), PathOf(name + ".key"));
        // SslStream and Kestrel want a key that survives the ephemeral PEM import: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private void NewCa(string name, string commonName, string? issuer)
    {
        if (issuer is null)
        {
            OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", PathOf(name + ".key"), "-out", PathOf(name + ".crt"), "-days", "2", "-subj", "/CN=" + commonName,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
            return;
        }

        Sign(name, commonName, issuer, "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
    }

    private void NewServer(string name, string issuer, string subjectAltName) =>
        Sign(name, "quay-builder test server", issuer, $"subjectAltName={subjectAltName}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");

    private void Sign(string name, string commonName, string issuer, string extensions)
    {
        File.WriteAllText(PathOf(name + ".ext"), extensions);
        OpenSsl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", PathOf(name + ".key"), "-out", PathOf(name + ".csr"), "-subj", "/CN=" + commonName);
        OpenSsl("x509", "-req", "-in", PathOf(name + ".csr"), "-CA", PathOf(issuer + ".crt"), "-CAkey", PathOf(issuer + ".key"),
            "-CAcreateserial", "-out", PathOf(name + ".crt"), "-days", "2", "-extfile", PathOf(name + ".ext"));
    }

    private void OpenSsl(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = _directory.FullName };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        _ = stdout.Result;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr}");
        }
    }
}
