using System.Security.Cryptography.X509Certificates;

namespace QuayBuilder.Configuration;

/// <summary>
/// The CA certificates the worker trusts beyond the system's, gathered once by
/// <see cref="CaTrustSetup"/> and applied by one rule everywhere: the manager's TLS, package
/// downloads, Git over HTTPS, and the registries Podman pulls from and pushes to.
/// </summary>
internal sealed class CaTrust
{
    public static CaTrust None { get; } = new();

    /// <summary>The extra CAs (none of them already in the system bundle).</summary>
    public X509Certificate2Collection Certificates { get; init; } = [];

    /// <summary>The extra CAs as PEM text (what a registry's certs.d entry gets); null when there are none.</summary>
    public string? ExtraPem { get; init; }

    /// <summary>
    /// A PEM file of the system's CAs plus the extra ones, for processes that read one bundle
    /// (git's GIT_SSL_CAINFO, Podman's SSL_CERT_FILE); null when there are no extra CAs.
    /// </summary>
    public string? BundlePath { get; init; }

    /// <summary>Files named by TLS_CERT_PATH/SSL_CERT_FILE/GIT_SSL_CAINFO that were missing and are now created.</summary>
    public IReadOnlyList<string> CreatedFiles { get; init; } = [];

    /// <summary>Such files that could not be created: CA_CERT is trusted in-process and through <see cref="BundlePath"/> instead.</summary>
    public IReadOnlyList<string> UncreatableFiles { get; init; } = [];
}
