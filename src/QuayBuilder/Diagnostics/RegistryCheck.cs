using System.Diagnostics;
using System.Net;
using QuayBuilder.BuildContext;
using QuayBuilder.Configuration;

namespace QuayBuilder.Diagnostics;

/// <summary>
/// GET https://REGISTRY_HOSTNAME/v2/ with the HTTP client the worker uses for downloads (proxies,
/// SSL_CERT_FILE). 200 and 401 both mean a registry answered: the check has no credentials and
/// needs none.
/// </summary>
internal static class RegistryCheck
{
    public const string Name = "registry";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    public static async Task<CheckLine> RunAsync(Func<string, string?> environment, CancellationToken ct)
    {
        var host = environment("REGISTRY_HOSTNAME")?.Trim();
        if (string.IsNullOrEmpty(host))
        {
            return CheckLine.Skip(Name, "REGISTRY_HOSTNAME not set (Quay sets it for each build); nothing to check");
        }

        if (!Uri.TryCreate($"https://{host}/v2/", UriKind.Absolute, out var url) || url.Authority.Length == 0 || !string.Equals(url.Authority, host, StringComparison.OrdinalIgnoreCase))
        {
            return CheckLine.Fail(Name, $"REGISTRY_HOSTNAME '{host}' is not a host name (optionally with :port) — set it to the registry's host, for example quay.example.com.");
        }

        string? bundle;
        HttpClient http;
        try
        {
            bundle = BuildSettingsReader.Read(SettingsProbe.Only(environment, "SSL_CERT_FILE", "GIT_SSL_CAINFO")).CaBundlePath;
            var limits = SourceLimits.Default with { ConnectTimeout = RequestTimeout };
            http = PackageFetcher.CreateHttpClient(limits, CaTrust.FromPemFile(bundle, "SSL_CERT_FILE").ValidationCallback);
        }
        catch (Exception e) when (e is ConfigurationException or SourceException)
        {
            return CheckLine.Skip(Name, $"{host} not asked: SSL_CERT_FILE/GIT_SSL_CAINFO is unusable (see the ca lines)");
        }

        using (http)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(RequestTimeout);
            var clock = Stopwatch.StartNew();
            try
            {
                using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized
                    ? CheckLine.Ok(Name, $"{url} answered {status} ({clock.Elapsed.TotalMilliseconds:0} ms)")
                    : CheckLine.Fail(Name, $"{url} answered {status} {response.ReasonPhrase}, not 200 or 401 — REGISTRY_HOSTNAME must name the registry itself (Quay's hostname), not a proxy or web page in front of it.");
            }
            catch (HttpRequestException e) when (FailureChain.FindTls(e) is { } tls)
            {
                var trusted = bundle is null ? "the system CAs only" : $"the system CAs and SSL_CERT_FILE {bundle}";
                return CheckLine.Fail(Name, $"{url}: the TLS handshake failed ({FailureChain.Describe(tls)}); the worker trusts {trusted} — add the CA that signed the registry's certificate to SSL_CERT_FILE.");
            }
            catch (HttpRequestException e)
            {
                return CheckLine.Fail(Name, $"{url} cannot be reached ({FailureChain.Describe(e)}) — check REGISTRY_HOSTNAME, DNS, HTTPS_PROXY/NO_PROXY and the firewall.");
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return CheckLine.Fail(Name, $"{url} did not answer within {RequestTimeout.TotalSeconds:0} s — check REGISTRY_HOSTNAME, HTTPS_PROXY/NO_PROXY and the firewall.");
            }
        }
    }
}
