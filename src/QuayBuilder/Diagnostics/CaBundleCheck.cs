using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using QuayBuilder.Configuration;

namespace QuayBuilder.Diagnostics;

/// <summary>
/// Every CA source the worker reads must parse as PEM certificates: TLS_CERT_PATH and CA_CERT
/// (the manager's TLS), SSL_CERT_FILE and GIT_SSL_CAINFO (downloads and Git over HTTPS). One line
/// per source that is set, plus a warning for each certificate that expires within 30 days.
/// </summary>
internal static class CaBundleCheck
{
    public const string Name = "ca";

    public static readonly string[] Variables = ["TLS_CERT_PATH", "CA_CERT", "SSL_CERT_FILE", "GIT_SSL_CAINFO"];

    private static readonly string[] FileVariables = ["TLS_CERT_PATH", "SSL_CERT_FILE", "GIT_SSL_CAINFO"];

    /// <summary>A bundle this big is a system bundle: list the soonest expiries, not every CA.</summary>
    private const int ListedAtMost = 4;

    private static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(30);

    public static IReadOnlyList<CheckLine> Run(Func<string, string?> environment, DateTimeOffset now)
    {
        var lines = new List<CheckLine>();
        foreach (var variable in FileVariables)
        {
            if (string.IsNullOrWhiteSpace(environment(variable)))
            {
                continue;
            }

            string path;
            string text;
            try
            {
                // The worker's own rule (and message) for an unreadable file comes first.
                var values = new EnvironmentValues(environment);
                path = values.CaFile(variable)!;
                if (values.Get("CA_CERT") is not null && !File.Exists(path))
                {
                    // kubernetesPodman names /certs/cacert.crt, which nothing but the image made.
                    lines.Add(CheckLine.Ok(Name, $"{variable} {path} does not exist yet: the worker makes it at start from CA_CERT and the system's CAs (or, where it cannot, trusts CA_CERT without it)"));
                    continue;
                }

                text = File.ReadAllText(path);
            }
            catch (ConfigurationException e)
            {
                lines.Add(CheckLine.Fail(Name, e.Message));
                continue;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                lines.Add(CheckLine.Fail(Name, $"{variable} cannot be read ({e.Message}) — fix the path or its permissions, or unset {variable}."));
                continue;
            }

            lines.AddRange(Describe($"{variable} {path}", variable, text, now));
        }

        if (!string.IsNullOrWhiteSpace(environment("CA_CERT")))
        {
            lines.AddRange(Describe("CA_CERT", "CA_CERT", environment("CA_CERT")!, now));
        }

        if (lines.Count == 0)
        {
            lines.Add(CheckLine.Ok(Name, "no extra CAs configured (TLS_CERT_PATH, CA_CERT, SSL_CERT_FILE, GIT_SSL_CAINFO unset): the system trust store is used"));
        }

        return lines;
    }

    private static IEnumerable<CheckLine> Describe(string source, string variable, string pem, DateTimeOffset now)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            return [CheckLine.Fail(Name, $"{source} holds a malformed PEM certificate ({e.Message}) — replace it with the PEM text (-----BEGIN CERTIFICATE-----) of the CA certificate(s).")];
        }

        try
        {
            if (certificates.Count == 0)
            {
                return [CheckLine.Fail(Name, $"{source} holds no PEM certificate — {variable} must contain CA certificates in PEM form (-----BEGIN CERTIFICATE----- blocks), not DER, a key or other text.")];
            }

            var bySoonest = certificates.OrderBy(c => c.NotAfter).ToList();
            var summary = certificates.Count <= ListedAtMost
                ? $"{source}: {Count(certificates.Count)}: {string.Join("; ", bySoonest.Select(c => $"{c.Subject} until {Day(c.NotAfter)}"))}"
                : $"{source}: {Count(certificates.Count)}, soonest to expire: {bySoonest[0].GetNameInfo(X509NameType.SimpleName, false)} until {Day(bySoonest[0].NotAfter)}";

            var lines = new List<CheckLine> { CheckLine.Ok(Name, summary) };
            var expiring = bySoonest.TakeWhile(c => new DateTimeOffset(c.NotAfter.ToUniversalTime()) - now < ExpiryWarning).ToList();
            if (certificates.Count > ListedAtMost && expiring.Count > 0)
            {
                // A system bundle carries retired roots until its next update; one line says so without drowning the rest.
                lines.Add(CheckLine.Warn(Name,
                    $"{source}: {expiring.Count} of {certificates.Count} certificates expired or expire within 30 days (soonest: {expiring[0].GetNameInfo(X509NameType.SimpleName, false)}, {Day(expiring[0].NotAfter)}) — harmless unless a server you need chains to one of them; update the bundle (update-ca-certificates / update-ca-trust)."));
                return lines;
            }

            foreach (var certificate in expiring)
            {
                var expiry = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
                var left = expiry - now;
                lines.Add(CheckLine.Warn(Name, expiry <= now
                    ? $"{source}: {certificate.Subject} expired on {Day(certificate.NotAfter)} — replace it with the CA's current certificate."
                    : $"{source}: {certificate.Subject} expires on {Day(certificate.NotAfter)}, {(left.TotalDays < 1 ? "within a day" : $"in {left.TotalDays:0} days")} — get the CA's renewed certificate into {variable} before then."));
            }

            return lines;
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }

    private static string Count(int count) => count == 1 ? "1 certificate" : $"{count} certificates";

    private static string Day(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
