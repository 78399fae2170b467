using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace QuayBuilder.Podman;

/// <summary>
/// HTTP over the runtime's unix socket, shared by the libpod and the Docker-API clients.
/// The HttpClient has no overall timeout: builds, pulls and pushes run as long as they
/// need and stop only through their CancellationToken. Short requests (ping, inspect,
/// tag, remove) get <see cref="ShortTimeout"/> instead.
/// </summary>
internal sealed class RuntimeConnection : IDisposable
{
    internal static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;

    internal RuntimeConnection(string socketPath, RuntimeClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        SocketPath = socketPath;
        Options = options ?? RuntimeClientOptions.Default;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        // The host name is never resolved: every connection goes to the socket.
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://podman"), Timeout = Timeout.InfiniteTimeSpan };
    }

    internal string SocketPath { get; }

    internal RuntimeClientOptions Options { get; }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Sends a request and returns once the headers are in; the body is left to the caller.
    /// Any failure to reach the service becomes a <see cref="PodmanException"/> naming the socket.
    /// </summary>
    internal async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string operation, CancellationToken ct)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new PodmanException(
                $"{operation} failed: cannot reach the container runtime at {SocketPath} ({e.Message}). " +
                "Check that the Podman service is running and the socket path is right.", e);
        }
    }

    /// <summary>A short request whose answer is read whole; throws on a non-success status other than <paramref name="tolerated"/>.</summary>
    internal async Task<(HttpStatusCode Status, string Body)> SendShortAsync(
        HttpMethod method, string path, string operation, HttpStatusCode? tolerated, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ShortTimeout);
        try
        {
            using var request = new HttpRequestMessage(method, path);
            using var response = await SendAsync(request, operation, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode && response.StatusCode != tolerated)
            {
                throw Failure(operation, response, body);
            }

            return (response.StatusCode, body);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new PodmanException(
                $"{operation} failed: the container runtime at {SocketPath} did not answer within {ShortTimeout.TotalSeconds:0} s. " +
                "Check that the Podman service is healthy.");
        }
    }

    /// <summary>
    /// Reads a streamed JSON-lines answer as it arrives, hands every text line to
    /// <paramref name="onMessage"/> and throws the first <c>error</c> line as a
    /// <see cref="PodmanException"/> (the runtime reports failures inside a 200 answer).
    /// </summary>
    /// <remarks>
    /// Build errors are already phrased for the user (<c>building at STEP "RUN false": exit status 1</c>)
    /// and are thrown as they are; pull and push errors get the operation in front.
    /// </remarks>
    internal async Task<StreamSummary> ReadStreamAsync(
        HttpResponseMessage response, string operation, bool prefixErrors, Action<PodmanMessage> onMessage, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            throw WithCertificateHint(Failure(operation, response, body));
        }

        var summary = new StreamSummary();
        // Prefetched: the socket is read as fast as the runtime writes, however slow onMessage
        // is; a backed-up answer makes Podman's chroot isolation drop a RUN's last output (see PrefetchStream).
        var stream = new PrefetchStream(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: -1, leaveOpen: true);
            while (await ReadLineAsync(reader, operation, ct).ConfigureAwait(false) is { } line)
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                StreamLine? parsed;
                try
                {
                    parsed = JsonSerializer.Deserialize(line, PodmanJsonContext.Default.StreamLine);
                }
                catch (JsonException)
                {
                    // Not JSON: still output the user should see, never silently dropped.
                    onMessage(new PodmanMessage(line + "\n", null, null, null, null, null));
                    continue;
                }

                if (parsed is null)
                {
                    continue;
                }

                var error = parsed.Error ?? parsed.ErrorDetail?.Message;
                if (!string.IsNullOrEmpty(error))
                {
                    var text = error.TrimEnd('\n', '\r', ' ');
                    throw WithCertificateHint(new PodmanException(prefixErrors ? $"{operation} failed: {text}" : text));
                }

                summary.Observe(parsed);
                if (parsed.Stream is not null || parsed.Status is not null)
                {
                    onMessage(new PodmanMessage(
                        parsed.Stream, parsed.Status, parsed.Id, parsed.ProgressDetail?.Current, parsed.ProgressDetail?.Total, null));
                }
            }
        }

        return summary;
    }

    /// <summary>
    /// A certificate failure gets what to do about it and is marked so that it is not retried;
    /// any other failure is returned as it is.
    /// </summary>
    internal PodmanException WithCertificateHint(PodmanException failure)
    {
        if (!CertificateFailure.IsMatch(failure.Message))
        {
            return failure;
        }

        return new PodmanException($"{failure.Message.TrimEnd('.', ' ')}. The registry's TLS certificate is not trusted: {Options.CertificateHint}", failure.InnerException)
        {
            StatusCode = failure.StatusCode,
            IsCertificateFailure = true,
        };
    }

    internal static PodmanException Failure(string operation, HttpResponseMessage response, string body)
    {
        string? detail = null;
        try
        {
            var error = JsonSerializer.Deserialize(body, PodmanJsonContext.Default.ApiError);
            detail = error?.Message ?? error?.Cause;
        }
        catch (JsonException)
        {
            detail = body.Length > 500 ? body[..500] : body;
        }

        var status = (int)response.StatusCode;
        TimeSpan? retryAfter = response.Headers.RetryAfter?.Delta
            ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        var hint = status switch
        {
            401 or 403 => " Check the registry credentials.",
            404 => " Check the image name.",
            429 => " The service is rate limiting; try again later.",
            >= 500 => " See the Podman service's log for the cause.",
            _ => string.Empty,
        };
        return new PodmanException(
            $"{operation} failed (HTTP {status}): {detail?.Trim() ?? response.ReasonPhrase}.{hint}")
        {
            StatusCode = status,
            RetryAfter = retryAfter,
        };
    }

    private async Task<string?> ReadLineAsync(StreamReader reader, string operation, CancellationToken ct)
    {
        try
        {
            return await reader.ReadLineAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new PodmanException(
                $"{operation} failed: the connection to the container runtime at {SocketPath} broke ({e.Message}). " +
                "Check the Podman service's log; it may have been restarted or run out of resources.", e);
        }
    }
}
