namespace QuayBuilder.BuildContext;

/// <summary>
/// A Git build pack as the build manager sends it: fetch <paramref name="Url"/> at exactly
/// <paramref name="Sha"/>. <paramref name="PrivateKey"/> is the deploy key's private half
/// (PEM or OpenSSH text); null or empty means a public repository.
/// </summary>
public sealed record GitSourceRequest(string Url, string Sha, string? PrivateKey)
{
    // The generated ToString would print the private key into any log that formats the request.
    public override string ToString() =>
        $"GitSourceRequest {{ Url = {GitUrl.Redact(Url)}, Sha = {Sha}, PrivateKey = {(string.IsNullOrEmpty(PrivateKey) ? "none" : "***")} }}";
}
