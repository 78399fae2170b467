using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace QuayBuilder.Registry;

/// <summary>
/// Asks the registry which manifest digest a tag points to, the way `docker pull` would
/// resolve it. Local mode's summary prints this rather than the runtime's RepoDigests: Podman
/// records the digest of its local manifest, which differs from the pushed one whenever the
/// push compressed the layers (always, for a freshly built image).
/// </summary>
/// <remarks>
/// Credentials are sent only over HTTPS, or to a loopback registry. Plain HTTP is tried only for
/// loopback hosts (the registries a developer runs on this machine), never for others.
/// </remarks>
internal sealed class RegistryDigestLookup(HttpClient http)
{
    private static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    /// <summary>The digest <c>sha256:…</c> of <paramref name="repository"/>:<paramref name="tag"/>; throws <see cref="RegistryLookupException"/> saying why not.</summary>
    public async Task<string> FindAsync(string registry, string repository, string tag, string username, string password, CancellationToken cancellationToken)
    {
        var loopback = IsLoopback(registry);
        try
        {
            return await FindAsync(new Uri($"https://{registry}/"), repository, tag, username, password, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException) when (loopback)
        {
            return await FindAsync(new Uri($"http://{registry}/"), repository, tag, username, password, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RegistryLookupException($"could not reach https://{registry}/ ({e.Message})", e);
        }
    }

    private async Task<string> FindAsync(Uri registry, string repository, string tag, string username, string password, CancellationToken ct)
    {
        var manifest = new Uri(registry, $"v2/{repository}/manifests/{Uri.EscapeDataString(tag)}");
        using (var anonymous = await HeadAsync(manifest, null, ct).ConfigureAwait(false))
        {
            if (anonymous.StatusCode != HttpStatusCode.Unauthorized)
            {
                return DigestOf(anonymous);
            }

            var challenge = anonymous.Headers.WwwAuthenticate.FirstOrDefault();
            var credentialsAllowed = registry.Scheme == Uri.UriSchemeHttps || IsLoopback(registry.Authority);
            AuthenticationHeaderValue? authorization = null;
            if (challenge is { Scheme: var scheme } && scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && credentialsAllowed)
            {
                authorization = Basic(username, password);
            }
            else if (challenge is { Scheme: var bearer } && bearer.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            {
                authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(challenge.Parameter ?? string.Empty, repository, username, password, ct).ConfigureAwait(false));
            }

            if (authorization is null)
            {
                throw new RegistryLookupException($"the registry wants authentication ({challenge?.Scheme ?? "no challenge"}) that this lookup cannot give");
            }

            using var authenticated = await HeadAsync(manifest, authorization, ct).ConfigureAwait(false);
            return DigestOf(authenticated);
        }
    }

    private async Task<HttpResponseMessage> HeadAsync(Uri manifest, AuthenticationHeaderValue? authorization, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, manifest);
        foreach (var type in ManifestTypes)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        request.Headers.Authorization = authorization;
        return await http.SendAsync(request, ct).ConfigureAwait(false);
    }

    /// <summary>Docker's token flow: GET realm?service=…&amp;scope=repository:NAME:pull, with Basic credentials when known.</summary>
    private async Task<string> TokenAsync(string challenge, string repository, string username, string password, CancellationToken ct)
    {
        var parameters = ParseChallenge(challenge);
        if (!parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri))
        {
            throw new RegistryLookupException("the registry's Bearer challenge names no token realm");
        }

        var query = new StringBuilder("?scope=").Append(Uri.EscapeDataString($"repository:{repository}:pull"));
        if (parameters.TryGetValue("service", out var service))
        {
            query.Append("&service=").Append(Uri.EscapeDataString(service));
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(realmUri, realmUri.AbsolutePath + query));
        if (password.Length > 0 && (realmUri.Scheme == Uri.UriSchemeHttps || IsLoopback(realmUri.Authority)))
        {
            request.Headers.Authorization = Basic(username, password);
        }

        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new RegistryLookupException($"the token service at {realmUri.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode}");
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
        foreach (var name in new[] { "token", "access_token" })
        {
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty(name, out var token) && token.GetString() is { Length: > 0 } value)
            {
                return value;
            }
        }

        throw new RegistryLookupException("the token service's answer held no token");
    }

    private static string DigestOf(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new RegistryLookupException($"the registry answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        return response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } digest && digest.StartsWith("sha256:", StringComparison.Ordinal)
            ? digest
            : throw new RegistryLookupException("the registry's answer carried no Docker-Content-Digest");
    }

    private static AuthenticationHeaderValue Basic(string username, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")));

    /// <summary>realm="https://quay.io/v2/auth",service="quay.io" → its parameters.</summary>
    internal static Dictionary<string, string> ParseChallenge(string challenge)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < challenge.Length)
        {
            while (i < challenge.Length && challenge[i] is ' ' or ',')
            {
                i++;
            }

            var equals = challenge.IndexOf('=', i);
            if (equals < 0)
            {
                break;
            }

            var key = challenge[i..equals].Trim();
            i = equals + 1;
            string value;
            if (i < challenge.Length && challenge[i] == '"')
            {
                var close = challenge.IndexOf('"', i + 1);
                close = close < 0 ? challenge.Length : close;
                value = challenge[(i + 1)..close];
                i = close + 1;
            }
            else
            {
                var comma = challenge.IndexOf(',', i);
                comma = comma < 0 ? challenge.Length : comma;
                value = challenge[i..comma].Trim();
                i = comma;
            }

            result[key] = value;
        }

        return result;
    }

    internal static bool IsLoopback(string authority)
    {
        var host = authority.StartsWith('[') ? authority[1..Math.Max(1, authority.IndexOf(']', StringComparison.Ordinal))] : authority.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
