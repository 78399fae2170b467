using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace QuayBuilder.Configuration;

/// <summary>
/// Gathers the extra CAs from every place Quay's executors put them — <c>CA_CERT</c> (PEM text,
/// kubernetesPodman), the files <c>TLS_CERT_PATH</c>, <c>SSL_CERT_FILE</c> and <c>GIT_SSL_CAINFO</c>
/// name, and the files in <c>/certs</c> (ec2 / kubernetes VM mount extra CAs there) — and makes
/// them usable. The kubernetesPodman executor points the three variables at
/// <c>/certs/cacert.crt</c>, which only the Go image's entrypoint ever wrote (CA_CERT plus the
/// system bundle): when it is missing and CA_CERT is set, it is written the same way where it can
/// be; where it cannot, CA_CERT is trusted all the same, through <see cref="CaTrust.BundlePath"/>.
/// </summary>
internal static class CaTrustSetup
{
    /// <summary>Where Linux distributions keep the system bundle (Debian, RHEL, SUSE, Alpine), as Go looks for it.</summary>
    internal static readonly string[] SystemBundles =
    [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem",
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        "/etc/ssl/cert.pem",
    ];

    /// <summary>Returns <paramref name="settings"/> with its <see cref="BuildSettings.Trust"/> established and the bundle for downloads and Git set.</summary>
    /// <exception cref="ConfigurationException">A CA source holds no usable certificate, or the bundle cannot be written.</exception>
    public static WorkerSettings Apply(WorkerSettings settings, string? bundleDirectory = null, IReadOnlyList<string>? systemBundles = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var trust = Establish(settings, bundleDirectory ?? Path.GetTempPath(), systemBundles ?? SystemBundles);
        return settings with { Build = settings.Build with { Trust = trust, CaBundlePath = trust.BundlePath ?? (File.Exists(settings.Build.CaBundlePath) ? settings.Build.CaBundlePath : null) } };
    }

    internal static CaTrust Establish(WorkerSettings settings, string bundleDirectory, IReadOnlyList<string> systemBundles)
    {
        var systemPem = systemBundles.Where(File.Exists).Select(TryRead).FirstOrDefault(t => t is not null) ?? string.Empty;

        var found = new List<X509Certificate2>();
        if (settings.CaCert is { } caCert)
        {
            var parsed = Parse(caCert);
            if (parsed.Count == 0)
            {
                throw new ConfigurationException("CA_CERT holds no PEM certificate: it must be the PEM text (-----BEGIN CERTIFICATE----- blocks) of the CA certificates to trust.");
            }

            found.AddRange(parsed);
        }

        var created = new List<string>();
        var uncreatable = new List<string>();
        foreach (var (variable, path) in settings.CaFiles)
        {
            if (File.Exists(path))
            {
                var certificates = ParseFile(path, variable);
                if (certificates.Count == 0 && variable == "TLS_CERT_PATH")
                {
                    throw new ConfigurationException($"TLS_CERT_PATH '{path}' holds no PEM certificate: point it at the CA that signed the build manager's certificate.");
                }

                found.AddRange(certificates);
            }
            else if (settings.CaCert is { } pem && !created.Contains(path, StringComparer.Ordinal) && !uncreatable.Contains(path, StringComparer.Ordinal))
            {
                // What the Go image's entrypoint wrote: CA_CERT, then the system bundle.
                (TryWrite(path, Join(pem, systemPem)) ? created : uncreatable).Add(path);
            }
        }

        if (Directory.Exists(settings.CertsDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(settings.CertsDirectory).Order(StringComparer.Ordinal))
            {
                // Keys and other files may sit beside the CAs: only certificates count.
                if (!created.Contains(file, StringComparer.Ordinal) && TryRead(file) is { } text)
                {
                    found.AddRange(Parse(text));
                }
            }
        }

        var extras = new X509Certificate2Collection();
        // The system's own CAs are not extras. Parsing its bundle (~140 certificates) cost the
        // worker's start ~20 ms before its first RPC (bench figure 2): only when there is
        // something to compare it with.
        var seen = found.Count == 0
            ? new HashSet<string>(StringComparer.Ordinal)
            : new HashSet<string>(Parse(systemPem).Select(c => c.Thumbprint), StringComparer.Ordinal);
        foreach (var certificate in found.Where(c => seen.Add(c.Thumbprint)))
        {
            extras.Add(certificate);
        }

        if (extras.Count == 0)
        {
            return new CaTrust { CreatedFiles = created, UncreatableFiles = uncreatable };
        }

        var extraPem = string.Concat(extras.Select(c => c.ExportCertificatePem() + "\n"));
        return new CaTrust
        {
            Certificates = extras,
            ExtraPem = extraPem,
            BundlePath = WriteBundle(bundleDirectory, Join(extraPem, systemPem)),
            CreatedFiles = created,
            UncreatableFiles = uncreatable,
        };
    }

    private static string Join(string first, string second) =>
        second.Length == 0 ? first.TrimEnd() + "\n" : first.TrimEnd() + "\n" + second.TrimEnd() + "\n";

    /// <summary>
    /// One file per content (named by its hash), written beside and renamed: several workers on
    /// one machine share it, and none ever reads half of it.
    /// </summary>
    private static string WriteBundle(string directory, string content)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)))[..16];
        var path = Path.Combine(directory, $"quay-builder-ca-{hash}.pem");
        try
        {
            if (File.Exists(path) && string.Equals(File.ReadAllText(path), content, StringComparison.Ordinal))
            {
                return path;
            }

            var temporary = $"{path}.{Environment.ProcessId}";
            File.WriteAllText(temporary, content);
            File.SetUnixFileMode(temporary, PublicFile);
            File.Move(temporary, path, overwrite: true);
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"The CA bundle for Git and Podman cannot be written to '{directory}' ({e.Message}): make the temporary directory (TMPDIR) writable.");
        }
    }

    private const UnixFileMode PublicFile = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static bool TryWrite(string path, string content)
    {
        try
        {
            if (Path.GetDirectoryName(path) is { Length: > 0 } directory)
            {
                Directory.CreateDirectory(directory);
            }

            // CreateNew: never overwrite a bundle that appeared meanwhile (an image that does make it).
            using (var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = PublicFile }))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(content);
            }

            File.SetUnixFileMode(path, PublicFile);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static List<X509Certificate2> ParseFile(string path, string variable)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{variable} names '{path}', which cannot be read ({e.Message}): fix the path or its permissions, or unset {variable}.");
        }
    }

    /// <summary>Every certificate block of a PEM text; a malformed block is skipped, not fatal (system bundles carry odd ones).</summary>
    internal static List<X509Certificate2> Parse(string pem)
    {
        var certificates = new List<X509Certificate2>();
        const string beginMarker = "-----BEGIN CERTIFICATE-----";
        const string endMarker = "-----END CERTIFICATE-----";
        var start = pem.IndexOf(beginMarker, StringComparison.Ordinal);
        while (start >= 0)
        {
            var end = pem.IndexOf(endMarker, start, StringComparison.Ordinal);
            if (end < 0)
            {
                break;
            }

            try
            {
                certificates.Add(X509Certificate2.CreateFromPem(pem.AsSpan(start, end + endMarker.Length - start)));
            }
            catch (CryptographicException)
            {
            }

            start = pem.IndexOf(beginMarker, end, StringComparison.Ordinal);
        }

        return certificates;
    }
}
