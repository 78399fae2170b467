using System.Net;
using System.Text;

namespace QuayBuilder.Tests.Registry;

/// <summary>
/// A registry's manifest and token endpoints as an HttpMessageHandler. Records every request's
/// URL and Authorization header; https requests to <see cref="PlainHttpHosts"/> fail as a plain
/// HTTP server's would.
/// </summary>
internal sealed class FakeRegistryHandler : HttpMessageHandler
{
    public const string Digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    public List<(Uri Url, string? Authorization)> Requests { get; } = [];

    /// <summary>"Basic", "Bearer" or null (anonymous reads allowed).</summary>
    public string? Challenge { get; init; }

    public string Realm { get; init; } = "https://auth.example.com/token";

    public string ExpectedBasic { get; init; } = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("$token:pw-SECRET"));

    public HashSet<string> PlainHttpHosts { get; init; } = [];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var url = request.RequestUri!;
        var authorization = request.Headers.Authorization?.ToString();
        Requests.Add((url, authorization));
        if (url.Scheme == "https" && PlainHttpHosts.Contains(url.Authority))
        {
            throw new HttpRequestException("The SSL connection could not be established");
        }

        if (url.AbsolutePath == new Uri(Realm).AbsolutePath)
        {
            return Task.FromResult(authorization == ExpectedBasic
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"token\":\"registry-token\"}") }
                : new HttpResponseMessage(HttpStatusCode.Unauthorized));
        }

        var allowed = Challenge switch
        {
            null => true,
            "Basic" => authorization == ExpectedBasic,
            _ => authorization == "Bearer registry-token",
        };
        if (!allowed)
        {
            var denied = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            denied.Headers.WwwAuthenticate.ParseAdd(Challenge == "Basic" ? "Basic realm=\"registry\"" : $"Bearer realm=\"{Realm}\",service=\"registry.example.com\"");
            return Task.FromResult(denied);
        }

        var ok = new HttpResponseMessage(HttpStatusCode.OK);
        ok.Headers.Add("Docker-Content-Digest", Digest);
        return Task.FromResult(ok);
    }
}
