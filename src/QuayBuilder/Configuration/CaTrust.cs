using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace QuayBuilder.Configuration;

/// <summary>
/// The CA certificates the worker trusts beyond the system's, gathered once by
/// <see cref="CaTrustSetup"/>, and the one rule by which every TLS client of the worker applies
/// them: the manager's channel, package downloads and registry look-ups (in process, through
/// <see cref="ValidationCallback"/> or <see cref="CreateHandler"/>), Git over HTTPS and the
/// registries Podman pulls from and pushes to (through <see cref="BundlePath"/>, the same CAs as a file).
/// <para>
/// The rule: a server certificate is trusted when the system's validation accepts it (system
/// CAs, host name, validity), or when its only fault is the chain and the chain — the
/// certificates the server sent, completed with the extra CAs — ends in a self-signed extra CA
/// (custom root trust: the extra CAs are the roots, the system's are not consulted again). A
/// name mismatch or a missing certificate is never rescued by an extra CA. An extra intermediate
/// alone is not an anchor (.NET builds to a self-signed root; git's OpenSSL would accept it):
/// the operator gives the root. Revocation is not checked: private CAs rarely publish a
/// reachable CRL, and the system path does not check it either.
/// </para>
/// <para>
/// The server's intermediates count: the old manager rule ignored them (a manager whose
/// certificate came from an intermediate the operator did not also give was refused) and the
/// old download rule anchored in the whole system bundle as custom roots; both now follow this one.
/// </para>
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

    /// <summary>
    /// The rule as a TLS callback; null when there is no extra CA, so the system's validation
    /// stands alone (and its default fast path is kept).
    /// </summary>
    public RemoteCertificateValidationCallback? ValidationCallback =>
        Certificates.Count == 0 ? null : (_, certificate, chain, errors) => Validate(certificate, chain, errors);

    /// <summary>A trust of the certificates in a PEM file (a diagnostic's SSL_CERT_FILE), before <see cref="CaTrustSetup"/> has run.</summary>
    /// <exception cref="ConfigurationException">The file cannot be read or holds no certificate.</exception>
    public static CaTrust FromPemFile(string? path, string variable)
    {
        if (string.IsNullOrEmpty(path))
        {
            return None;
        }

        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ConfigurationException($"The CA bundle '{path}' ({variable}) could not be read: {e.Message}");
        }

        return new CaTrust { Certificates = certificates };
    }

    /// <summary>
    /// Sets the rule on <paramref name="handler"/> (the manager's channel, a registry client):
    /// nothing changes when there is no extra CA.
    /// </summary>
    public void Apply(SocketsHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (ValidationCallback is { } validate)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = validate;
        }
    }

    /// <summary>
    /// A handler for registry look-ups: proxies from the environment, the connect timeout,
    /// and this trust. The caller owns it (an HttpClient made on it disposes it).
    /// </summary>
    public SocketsHttpHandler CreateHandler(TimeSpan connectTimeout)
    {
        var handler = new SocketsHttpHandler { UseProxy = true, ConnectTimeout = connectTimeout };
        Apply(handler);
        return handler;
    }

    /// <summary>The rule (see the type's summary).</summary>
    public bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors || Certificates.Count == 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(Certificates);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            // What the server sent (its intermediates) and what the system chain found of it.
            custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (certificate is X509Certificate2 leaf)
        {
            return custom.Build(leaf);
        }

        using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(copy);
    }
}
