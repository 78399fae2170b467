using System.Net;
using System.Net.Security;
using Polly;
using Polly.Retry;

namespace QuayBuilder.BuildContext;

/// <summary>
/// The HTTP side of a build package: the client (proxies, connect timeout, the caller's
/// certificate rule), the request with its retries, and the idle timeout while the answer's
/// headers are awaited. What is transient (5xx, 408, 429, a failed connection, no answer) is
/// decided here; how often and how long to wait between tries is the caller's policy.
/// </summary>
internal sealed class PackageDownloader
{
    private readonly HttpClient _http;
    private readonly SourceLimits _limits;
    private readonly RetryStrategyOptions _retry;

    public PackageDownloader(HttpClient http, SourceLimits limits, RetryStrategyOptions retry)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(retry);
        _http = http;
        _limits = limits;
        _retry = retry;
    }

    /// <summary>
    /// Proxies from HTTP_PROXY/HTTPS_PROXY/NO_PROXY, the connect timeout from limits, and the
    /// caller's server-certificate rule (null: the system's CAs alone).
    /// </summary>
    public static HttpClient CreateHttpClient(SourceLimits limits, RemoteCertificateValidationCallback? validateServerCertificate)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var handler = new SocketsHttpHandler
        {
            // On Linux the default proxy is read from HTTP_PROXY, HTTPS_PROXY and NO_PROXY.
            UseProxy = true,
            ConnectTimeout = limits.ConnectTimeout,
            // The body must arrive as stored: detection looks at its first bytes.
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = true,
        };

        if (validateServerCertificate is not null)
        {
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = validateServerCertificate };
        }

        // Timeouts are ours (connect, idle, whole download); HttpClient's own would cut a
        // healthy multi-gigabyte download after 100 s.
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// Sends the GET and returns the successful answer, its body unread. Throws
    /// <see cref="SourceException"/> at once for an answer no retry can change (4xx, TLS), and
    /// after the last try for a transient failure.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(Uri url, string shown, IProgress<string> log, CancellationToken cancellationToken)
    {
        var attempts = _retry.MaxRetryAttempts + 1;
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                Name = "package-download",
                MaxRetryAttempts = _retry.MaxRetryAttempts,
                BackoffType = _retry.BackoffType,
                Delay = _retry.Delay,
                MaxDelay = _retry.MaxDelay,
                UseJitter = _retry.UseJitter,
                DelayGenerator = _retry.DelayGenerator,
                // Failures that a retry cannot change are thrown, never retried.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is Attempt { Response: null }),
                OnRetry = args =>
                {
                    var failure = ((Attempt)args.Outcome.Result!).Failure;
                    log.Report($"Downloading the build package failed ({failure}); retrying ({args.AttemptNumber + 1}/{_retry.MaxRetryAttempts})");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        var last = await pipeline.ExecuteAsync(
            static (state, ct) => state.Downloader.TryOnceAsync(state.Url, state.Shown, ct),
            (Downloader: this, Url: url, Shown: shown),
            cancellationToken).ConfigureAwait(false);
        return last.Response ?? throw new SourceException(
            $"The build package could not be downloaded from {shown} after {attempts} attempts: {last.Failure}. " +
            "The storage may be unavailable; try the build again later.");
    }

    private async ValueTask<Attempt> TryOnceAsync(Uri url, string shown, CancellationToken cancellationToken)
    {
        using var headers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        headers.CancelAfter(_limits.IdleTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return new Attempt(response, null);
            }

            var status = (int)response.StatusCode;
            response.Dispose();
            if (status is 400 or 401 or 403)
            {
                throw new SourceException(
                    $"The build package URL was refused (expired or not signed for this worker?): HTTP {status} from {shown}. " +
                    "Start the build again to get a fresh URL.");
            }

            if (status is 404 or 410)
            {
                throw new SourceException($"The build package was not found: HTTP {status} from {shown}. It may have expired or been deleted; upload it again.");
            }

            if (status < 500 && status is not 408 and not 429)
            {
                throw new SourceException($"The build package could not be downloaded: HTTP {status} from {shown}.");
            }

            return new Attempt(null, $"HTTP {status}");
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            // An untrusted or wrong certificate is the same on every try: say what to set, at once.
            throw new SourceException(
                $"The build package could not be downloaded from {shown}: the TLS connection failed ({e.InnerException?.Message ?? e.Message}). " +
                "If the server's certificate is signed by a private CA, give that CA as CA_CERT (PEM text), in the file SSL_CERT_FILE names, or as a file in /certs.", e);
        }
        catch (HttpRequestException e)
        {
            return new Attempt(null, e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Attempt(null, headers.IsCancellationRequested
                ? $"no answer within {_limits.IdleTimeout.TotalSeconds:0} s (PACKAGE_IDLE_TIMEOUT)"
                : $"could not connect within {_limits.ConnectTimeout.TotalSeconds:0} s (PACKAGE_CONNECT_TIMEOUT)");
        }
    }

    /// <summary>One try: the successful answer, or why it failed in a way worth retrying.</summary>
    private sealed record Attempt(HttpResponseMessage? Response, string? Failure);
}
