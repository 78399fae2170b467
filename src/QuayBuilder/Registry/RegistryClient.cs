using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using QuayBuilder.Podman;

namespace QuayBuilder.Registry;

/// <summary>
/// The few Registry HTTP API v2 calls a layer cache needs that Podman's API cannot make: manifest
/// GET and PUT by digest or tag, blob HEAD and monolithic upload, all on one repository.
/// Authentication answers the registry's challenge: Docker's token flow (Quay: Basic
/// <c>$token</c>/token at the realm, scope <c>repository:NAME:pull[,push]</c>) or plain Basic;
/// no credentials for a registry that asks none (Debian's docker-registry here).
/// </summary>
/// <remarks>
/// Credentials travel only in Authorization headers, only over HTTPS or to a loopback host, and
/// never appear in a message. Manifests are small (a cap guards the reads); blobs sent here are
/// configs, so uploads are single requests.
/// </remarks>
internal sealed class RegistryClient
{
    internal static readonly string[] ManifestTypes =
    [
        MediaTypes.OciIndex,
        MediaTypes.DockerManifestList,
        MediaTypes.OciManifest,
        MediaTypes.DockerManifest,
    ];

    private const int MaxManifestBytes = 4 * 1024 * 1024;

    private readonly HttpClient _http;
    private readonly Uri _base;
    private readonly string _repository;
    private readonly RegistryAuth? _credentials;
    private readonly bool _push;
    private AuthenticationHeaderValue? _authorization;

    /// <param name="registryBase">https://host[:port]/ (http:// only for a plain-HTTP registry such as a loopback one).</param>
    /// <param name="repository">namespace/name inside the registry.</param>
    /// <param name="push">Ask for push scope as well as pull.</param>
    public RegistryClient(HttpClient http, Uri registryBase, string repository, RegistryAuth? credentials, bool push)
    {
        _http = http;
        _base = registryBase;
        _repository = repository;
        _credentials = credentials;
        _push = push;
    }

    public RegistryTraffic Traffic { get; } = new();

    /// <summary>The manifest <paramref name="reference"/> (tag or digest) names, or null when there is none (404).</summary>
    public async Task<RegistryManifest?> GetManifestAsync(string reference, CancellationToken ct)
    {
        var operation = $"Reading manifest {_repository}:{reference}";
        using var response = await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, Url($"manifests/{reference}"));
                foreach (var type in ManifestTypes)
                {
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
                }

                return request;
            },
            operation, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            Traffic.Record(0, 0);
            return null;
        }

        await EnsureSuccessAsync(response, operation, ct).ConfigureAwait(false);
        if (response.Content.Headers.ContentLength > MaxManifestBytes)
        {
            throw new RegistryException($"{operation} failed: the manifest is larger than {MaxManifestBytes} bytes.");
        }

        var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        Traffic.Record(0, bytes.Length);
        var digest = Digest(bytes);
        if (reference.StartsWith("sha256:", StringComparison.Ordinal) && reference != digest)
        {
            throw new RegistryException($"{operation} failed: the registry answered a manifest whose digest is {digest}.");
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType ?? MediaTypeOf(bytes);
        return new RegistryManifest(bytes, mediaType, digest);
    }

    /// <summary>Stores a manifest under <paramref name="reference"/> (its own digest, or a tag); returns its digest.</summary>
    public async Task<string> PutManifestAsync(string reference, byte[] bytes, string mediaType, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var operation = $"Storing manifest {_repository}@{(reference.StartsWith("sha256:", StringComparison.Ordinal) ? reference : ":" + reference)}";
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Put, Url($"manifests/{reference}"))
            {
                Content = new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue(mediaType) } },
            },
            operation, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, operation, ct).ConfigureAwait(false);
        Traffic.Record(bytes.Length, 0);
        return Digest(bytes);
    }

    public async Task<bool> BlobExistsAsync(string digest, CancellationToken ct)
    {
        var operation = $"Looking for blob {digest} in {_repository}";
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, Url($"blobs/{digest}")), operation, ct).ConfigureAwait(false);
        Traffic.Record(0, 0);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, operation, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Uploads a small blob in one PUT (POST to open the upload, PUT with the digest to close it).</summary>
    public async Task UploadBlobAsync(byte[] bytes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var digest = Digest(bytes);
        var operation = $"Uploading blob {digest} to {_repository}";
        Uri location;
        using (var start = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, Url("blobs/uploads/")), operation, ct).ConfigureAwait(false))
        {
            await EnsureSuccessAsync(start, operation, ct).ConfigureAwait(false);
            Traffic.Record(0, 0);
            location = start.Headers.Location is { } given
                ? (given.IsAbsoluteUri ? given : new Uri(_base, given))
                : throw new RegistryException($"{operation} failed: the registry opened an upload without a Location.");
        }

        var separator = string.IsNullOrEmpty(location.Query) ? "?" : "&";
        var target = new Uri(location + separator + "digest=" + Uri.EscapeDataString(digest));
        if (!string.Equals(target.Authority, _base.Authority, StringComparison.OrdinalIgnoreCase))
        {
            // Credentials are only ever sent to the registry itself.
            throw new RegistryException($"{operation} failed: the registry sent the upload to another host ({target.Authority}).");
        }

        using var finish = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Put, target)
            {
                Content = new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
            },
            operation, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(finish, operation, ct).ConfigureAwait(false);
        Traffic.Record(bytes.Length, 0);
    }

    public static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private Uri Url(string tail) => new(_base, $"v2/{_repository}/{tail}");

    /// <summary>Sends; on a 401 answers the challenge once and sends again. The factory makes a fresh request each time.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, string operation, CancellationToken ct)
    {
        var response = await SendOnceAsync(create, operation, ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        response.Dispose();
        _authorization = await AnswerChallengeAsync(challenge, operation, ct).ConfigureAwait(false);
        return await SendOnceAsync(create, operation, ct).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> create, string operation, CancellationToken ct)
    {
        using var request = create();
        request.Headers.Authorization = _authorization;
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RegistryException($"{operation} failed: cannot reach {_base.GetLeftPart(UriPartial.Authority)} ({e.Message}).", e);
        }
    }

    private async Task<AuthenticationHeaderValue> AnswerChallengeAsync(AuthenticationHeaderValue? challenge, string operation, CancellationToken ct)
    {
        var credentialsAllowed = _base.Scheme == Uri.UriSchemeHttps || RegistryDigestLookup.IsLoopback(_base.Authority);
        if (challenge?.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) == true && _credentials is not null && credentialsAllowed)
        {
            return Basic(_credentials);
        }

        if (challenge?.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) == true)
        {
            return new AuthenticationHeaderValue("Bearer", await TokenAsync(challenge.Parameter ?? string.Empty, operation, ct).ConfigureAwait(false));
        }

        throw new RegistryException($"{operation} failed: the registry wants authentication ({challenge?.Scheme ?? "no challenge"}) that the worker cannot give.") { StatusCode = 401 };
    }

    private async Task<string> TokenAsync(string challenge, string operation, CancellationToken ct)
    {
        var parameters = RegistryDigestLookup.ParseChallenge(challenge);
        if (!parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri))
        {
            throw new RegistryException($"{operation} failed: the registry's Bearer challenge names no token realm.");
        }

        var query = new StringBuilder("?scope=").Append(Uri.EscapeDataString($"repository:{_repository}:{(_push ? "pull,push" : "pull")}"));
        if (parameters.TryGetValue("service", out var service))
        {
            query.Append("&service=").Append(Uri.EscapeDataString(service));
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(realmUri, realmUri.AbsolutePath + query));
        if (_credentials is { Password.Length: > 0 } credentials && (realmUri.Scheme == Uri.UriSchemeHttps || RegistryDigestLookup.IsLoopback(realmUri.Authority)))
        {
            request.Headers.Authorization = Basic(credentials);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RegistryException($"{operation} failed: cannot reach the token service at {realmUri.GetLeftPart(UriPartial.Path)} ({e.Message}).", e);
        }

        using (response)
        {
            Traffic.Record(0, response.Content.Headers.ContentLength ?? 0);
            if (!response.IsSuccessStatusCode)
            {
                throw new RegistryException($"{operation} failed: the token service at {realmUri.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode}; check the token's scope.") { StatusCode = (int)response.StatusCode };
            }

            try
            {
                using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), cancellationToken: ct).ConfigureAwait(false);
                foreach (var name in new[] { "token", "access_token" })
                {
                    if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty(name, out var token) && token.ValueKind == JsonValueKind.String && token.GetString() is { Length: > 0 } value)
                    {
                        return value;
                    }
                }
            }
            catch (JsonException)
            {
                // Falls through to the message below.
            }

            throw new RegistryException($"{operation} failed: the token service's answer held no token.");
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string operation, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        var detail = body.Length > 300 ? body[..300] : body;
        throw new RegistryException($"{operation} failed: the registry answered {(int)response.StatusCode} {response.ReasonPhrase} {detail.Trim()}".TrimEnd() + ".")
        {
            StatusCode = (int)response.StatusCode,
        };
    }

    private static AuthenticationHeaderValue Basic(RegistryAuth credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));

    private static string MediaTypeOf(byte[] bytes)
    {
        try
        {
            using var json = JsonDocument.Parse(bytes);
            return json.RootElement.TryGetProperty("mediaType", out var type) && type.GetString() is { } value ? value : MediaTypes.OciManifest;
        }
        catch (JsonException)
        {
            return MediaTypes.OciManifest;
        }
    }
}
