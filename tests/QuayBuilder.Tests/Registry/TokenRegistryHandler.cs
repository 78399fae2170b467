using System.Net;
using System.Text;

namespace QuayBuilder.Tests.Registry;

/// <summary>
/// Quay's registry auth as an HttpMessageHandler: every /v2/ request without the bearer token is
/// answered 401 with a Bearer challenge; the realm hands out the token for Basic
/// <c>$token</c>/<see cref="Secret"/> and records the scope asked for. Manifests and blobs are kept
/// in memory; blob uploads answer with a Location on <see cref="UploadHost"/>.
/// </summary>
internal sealed class TokenRegistryHandler : HttpMessageHandler
{
    public const string Secret = "push-token-SECRET";
    public const string Token = "bearer-token-value";

    public string Realm { get; init; } = "https://registry.example.com/v2/auth";

    public string UploadHost { get; init; } = "registry.example.com";

    public bool RefuseTokens { get; init; }

    public List<string> Scopes { get; } = [];

    public List<(HttpMethod Method, string Path, string? Authorization)> Requests { get; } = [];

    public Dictionary<string, (byte[] Bytes, string MediaType)> Manifests { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Blobs { get; } = new(StringComparer.Ordinal);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var url = request.RequestUri!;
        var authorization = request.Headers.Authorization?.ToString();
        Requests.Add((request.Method, url.AbsolutePath, authorization));
        if (url.AbsolutePath == new Uri(Realm).AbsolutePath)
        {
            Scopes.Add(Uri.UnescapeDataString(url.Query));
            var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("$token:" + Secret));
            return !RefuseTokens && authorization == expected
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent($"{{\"token\":\"{Token}\"}}") }
                : new HttpResponseMessage(HttpStatusCode.Unauthorized);
        }

        if (authorization != "Bearer " + Token)
        {
            var denied = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            denied.Headers.WwwAuthenticate.ParseAdd($"Bearer realm=\"{Realm}\",service=\"registry.example.com\"");
            return denied;
        }

        var path = url.AbsolutePath;
        if (path.Contains("/manifests/", StringComparison.Ordinal))
        {
            var reference = path[(path.LastIndexOf('/') + 1)..];
            if (request.Method == HttpMethod.Put)
            {
                var bytes = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
                Manifests[reference] = (bytes, request.Content.Headers.ContentType!.MediaType!);
                return new HttpResponseMessage(HttpStatusCode.Created);
            }

            if (!Manifests.TryGetValue(reference, out var manifest))
            {
                return new HttpResponseMessage(HttpStatusCode.NotFound);
            }

            var content = new ByteArrayContent(manifest.Bytes);
            content.Headers.ContentType = new(manifest.MediaType);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        }

        if (path.EndsWith("/blobs/uploads/", StringComparison.Ordinal) && request.Method == HttpMethod.Post)
        {
            var accepted = new HttpResponseMessage(HttpStatusCode.Accepted);
            accepted.Headers.Location = new Uri($"https://{UploadHost}/v2/upload/1?state=x");
            return accepted;
        }

        if (path == "/v2/upload/1" && request.Method == HttpMethod.Put)
        {
            var digest = System.Web.HttpUtility.ParseQueryString(url.Query)["digest"]!;
            Blobs.Add(digest);
            return new HttpResponseMessage(HttpStatusCode.Created);
        }

        if (path.Contains("/blobs/", StringComparison.Ordinal))
        {
            return new HttpResponseMessage(Blobs.Contains(path[(path.LastIndexOf('/') + 1)..]) ? HttpStatusCode.OK : HttpStatusCode.NotFound);
        }

        return new HttpResponseMessage(HttpStatusCode.NotFound);
    }
}
