using System.Text.RegularExpressions;

namespace QuayBuilder.Podman;

/// <summary>
/// Recognises a TLS certificate failure in the runtime's (Go's) error text. Such a failure
/// is the same on every try: trying again only delays the message that says what to set.
/// </summary>
internal static partial class CertificateFailure
{
    internal static bool IsMatch(string message) => Pattern().IsMatch(message);

    // Go's crypto/x509 and crypto/tls wording: "x509: certificate signed by unknown authority",
    // "tls: failed to verify certificate: x509: …", "x509: certificate has expired or is not yet valid",
    // "x509: certificate is valid for …, not …", "x509: certificate relies on legacy Common Name field".
    [GeneratedRegex(@"x509: |tls: failed to verify certificate|certificate signed by unknown authority", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();
}
