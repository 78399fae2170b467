using System.Net.Security;
using Polly.Retry;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Fetches a build package (<c>package_url</c>) into a directory, streamed: the archive is
/// decompressed and written while it arrives (<see cref="PackageDownloader"/> brings the bytes,
/// <see cref="PackageExtractor"/> writes them), never copied whole to disk first, except a zip,
/// whose central directory sits at its end. Also extracts a local package file by the same rules.
/// </summary>
public sealed class PackageFetcher
{
    private readonly PackageDownloader _downloader;
    private readonly SourceLimits _limits;

    /// <param name="retry">
    /// How often to try again after a transient failure (5xx, 408, 429, a failed connection, no
    /// answer) and how long to wait: the caller's backoff policy. Only its timing is used; what is
    /// transient is decided here.
    /// </param>
    public PackageFetcher(HttpClient http, SourceLimits limits, RetryStrategyOptions retry)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _downloader = new PackageDownloader(http, limits, retry);
        _limits = limits;
    }

    /// <summary>
    /// Creates the HttpClient the worker uses for packages: proxies from HTTP_PROXY/HTTPS_PROXY/NO_PROXY,
    /// the connect timeout from limits, and the caller's rule for server certificates beyond the
    /// system's CAs (null: the system's CAs alone).
    /// </summary>
    public static HttpClient CreateHttpClient(SourceLimits limits, RemoteCertificateValidationCallback? validateServerCertificate) =>
        PackageDownloader.CreateHttpClient(limits, validateServerCertificate);

    /// <summary>
    /// Streams <paramref name="url"/> into <paramref name="destination"/> (created; must not exist or be empty).
    /// A bare Dockerfile (text) is written as destination/Dockerfile. Throws <see cref="SourceException"/>
    /// with a clear user-facing message on any failure, after deleting what it extracted. Never puts the
    /// URL's query string (a pre-signed signature) into a message or log.
    /// </summary>
    public async Task<FetchedPackage> FetchAsync(Uri url, string destination, IProgress<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(log);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new SourceException($"The build package URL must be an http or https URL, not '{PackageUrl.Display(url)}'.");
        }

        var root = PackageExtractor.PrepareDestination(destination);
        var shown = PackageUrl.Display(url);
        using var download = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        download.CancelAfter(_limits.DownloadTimeout);
        string? spool = null;
        try
        {
            log.Report($"Downloading the build package from {shown}");
            using var response = await _downloader.SendAsync(url, shown, log, download.Token).ConfigureAwait(false);
            var contentType = response.Content.Headers.ContentType?.MediaType;
            var body = await response.Content.ReadAsStreamAsync(download.Token).ConfigureAwait(false);
            var wire = new IdleTimeoutStream(body, _limits.IdleTimeout, download.Token);
            await using (wire.ConfigureAwait(false))
            {
                spool = Path.Join(Path.GetDirectoryName(root), $".{Path.GetFileName(root)}.zip-spool");
                return await PackageExtractor.ExtractAsync(wire, root, _limits, log, contentType, spool, localZipPath: null, download.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            PackageExtractor.DeleteQuietly(root);
            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("The build package download was cancelled.", e, cancellationToken);
            }

            // Once the whole-download timer fired, whatever broke (a read, the decompressor) broke because of it.
            if (download.IsCancellationRequested)
            {
                throw new SourceException(
                    $"The build package download took longer than {_limits.DownloadTimeout.TotalSeconds:0} s " +
                    $"(PACKAGE_DOWNLOAD_TIMEOUT={_limits.DownloadTimeout.TotalSeconds:0}). Raise PACKAGE_DOWNLOAD_TIMEOUT for very large packages or slow storage.",
                    e);
            }

            throw PackageExtractor.AsSourceException(e);
        }
        finally
        {
            if (spool is not null)
            {
                File.Delete(spool);
            }
        }
    }

    /// <summary>
    /// Extracts a build package from a local file, with the same detection, safety rules and
    /// limits as <see cref="FetchAsync"/> (download timeouts aside).
    /// </summary>
    public static async Task<FetchedPackage> ExtractFileAsync(
        string archivePath, string destination, SourceLimits limits, IProgress<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archivePath);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(log);
        if (!File.Exists(archivePath))
        {
            throw new SourceException($"The build package file '{archivePath}' does not exist.");
        }

        var root = PackageExtractor.PrepareDestination(destination);
        try
        {
            var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 128 * 1024, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                return await PackageExtractor.ExtractAsync(file, root, limits, log, contentType: null, spoolPath: null, localZipPath: archivePath, cancellationToken)
                    .ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            PackageExtractor.DeleteQuietly(root);
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw PackageExtractor.AsSourceException(e);
        }
    }
}
