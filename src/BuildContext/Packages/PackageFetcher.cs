using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Xz;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Downloads a build package (<c>package_url</c>) and extracts it, streamed: the archive is
/// decompressed and written while it arrives, never copied whole to disk first, except a zip,
/// whose central directory sits at its end.
/// </summary>
public sealed class PackageFetcher
{
    /// <summary>One try and two retries for 5xx answers and failed connections.</summary>
    private const int Attempts = 3;

    private readonly HttpClient http;
    private readonly SourceLimits limits;

    public PackageFetcher(HttpClient http, SourceLimits limits)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(limits);
        this.http = http;
        this.limits = limits;
    }

    /// <summary>Pause before retry n is n times this. Tests shorten it.</summary>
    internal TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Creates the HttpClient the worker uses for packages: proxies from HTTP_PROXY/HTTPS_PROXY/NO_PROXY,
    /// extra trusted CAs from a PEM bundle file (SSL_CERT_FILE) when given, the connect timeout from limits.
    /// </summary>
    public static HttpClient CreateHttpClient(SourceLimits limits, string? caBundlePath)
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

        if (!string.IsNullOrEmpty(caBundlePath))
        {
            var extraRoots = LoadCaBundle(caBundlePath);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                    errors == SslPolicyErrors.None || TrustedByBundle(certificate, chain, errors, extraRoots),
            };
        }

        // Timeouts are ours (connect, idle, whole download); HttpClient's own would cut a
        // healthy multi-gigabyte download after 100 s.
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

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

        var root = PrepareDestination(destination);
        var shown = PackageUrl.Display(url);
        using var download = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        download.CancelAfter(limits.DownloadTimeout);
        string? spool = null;
        try
        {
            log.Report($"Downloading the build package from {shown}");
            using var response = await SendAsync(url, shown, log, download.Token).ConfigureAwait(false);
            var contentType = response.Content.Headers.ContentType?.MediaType;
            var body = await response.Content.ReadAsStreamAsync(download.Token).ConfigureAwait(false);
            var wire = new IdleTimeoutStream(body, limits.IdleTimeout, download.Token);
            await using (wire.ConfigureAwait(false))
            {
                spool = Path.Join(Path.GetDirectoryName(root), $".{Path.GetFileName(root)}.zip-spool");
                return await ExtractStreamAsync(wire, root, limits, log, contentType, spool, download.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            DeleteQuietly(root);
            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("The build package download was cancelled.", e, cancellationToken);
            }

            // Once the whole-download timer fired, whatever broke (a read, the decompressor) broke because of it.
            if (download.IsCancellationRequested)
            {
                throw new SourceException(
                    $"The build package download took longer than {limits.DownloadTimeout.TotalSeconds:0} s " +
                    $"(PACKAGE_DOWNLOAD_TIMEOUT={limits.DownloadTimeout.TotalSeconds:0}). Raise PACKAGE_DOWNLOAD_TIMEOUT for very large packages or slow storage.",
                    e);
            }

            throw AsSourceException(e);
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

        var root = PrepareDestination(destination);
        try
        {
            var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 128 * 1024, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                return await ExtractStreamAsync(file, root, limits, log, contentType: null, spoolPath: null, cancellationToken, archivePath)
                    .ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            DeleteQuietly(root);
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw AsSourceException(e);
        }
    }

    /// <summary>Whatever else went wrong (a full disk, a permission) still reaches the user as a <see cref="SourceException"/>.</summary>
    private static SourceException AsSourceException(Exception e) =>
        e as SourceException ?? new SourceException($"The build package could not be fetched: {e.Message}", e);

    private static async Task<FetchedPackage> ExtractStreamAsync(
        Stream source,
        string root,
        SourceLimits limits,
        IProgress<string> log,
        string? contentType,
        string? spoolPath,
        CancellationToken cancellationToken,
        string? localZipPath = null)
    {
        var head = new byte[PackageFormatDetector.HeadLength];
        int headLength;
        try
        {
            headLength = await source.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new SourceException($"The build package download was interrupted ({e.Message}). Try the build again.", e);
        }

        var format = PackageFormatDetector.Detect(head.AsSpan(0, headLength), headLength < head.Length, contentType);
        if (format.IsEmpty)
        {
            throw new SourceException("The build package is empty (0 bytes). Upload it again.");
        }

        if (format.IsHtml)
        {
            throw new SourceException(
                "The build package URL returned an HTML page instead of a build package — usually the error page of an " +
                "expired or invalid pre-signed URL. Start the build again to get a fresh URL.");
        }

        if (format.Kind is not { } kind)
        {
            throw new SourceException($"Unsupported kind of build package: {format.Description}");
        }

        log.Report(contentType is null
            ? $"The build package is {format.Description}"
            : $"The build package is {format.Description} (served as {contentType})");

        var clock = Stopwatch.StartNew();
        var target = new ExtractionTarget(root, limits);
        // SharpCompress's decoders read their input a few bytes at a time: give them a read-ahead buffer.
        var readAhead = kind is PackageFormat.TarBzip2 or PackageFormat.TarXz ? 64 * 1024 : 0;
        var input = new ReplayStream(head.AsMemory(0, headLength), source, readAhead);
        try
        {
            switch (kind)
            {
                case PackageFormat.Tar:
                    await TarPackageReader.ExtractAsync(input, target, cancellationToken).ConfigureAwait(false);
                    break;
                case PackageFormat.TarGzip:
                    var gzip = new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);
                    await using (gzip.ConfigureAwait(false))
                    {
                        await TarPackageReader.ExtractAsync(gzip, target, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case PackageFormat.TarBzip2:
                    var bzip2 = BZip2Stream.Create(input, SharpCompress.Compressors.CompressionMode.Decompress, decompressConcatenated: true, leaveOpen: true, tolerateTruncatedStream: false);
                    await using (bzip2.ConfigureAwait(false))
                    {
                        await TarPackageReader.ExtractAsync(bzip2, target, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case PackageFormat.TarXz:
                    // XZStream closes what it wraps; the ReplayStream owns nothing of the caller's.
                    var xz = new XZStream(input);
                    await using (xz.ConfigureAwait(false))
                    {
                        await TarPackageReader.ExtractAsync(xz, target, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case PackageFormat.Zip:
                    if (localZipPath is not null)
                    {
                        await ZipPackageReader.ExtractAsync(localZipPath, target, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await SpoolAsync(input, spoolPath!, limits, cancellationToken).ConfigureAwait(false);
                        await ZipPackageReader.ExtractAsync(spoolPath!, target, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                default:
                    target.Accept("Dockerfile");
                    await target.WriteFileAsync("Dockerfile", "Dockerfile", 0x1A4, null, -1, input, cancellationToken).ConfigureAwait(false);
                    break;
            }

            target.Finish();
        }
        // Overflow and IndexOutOfRange come out of System.Formats.Tar's numeric fields and
        // SharpCompress's bzip2 decoder on corrupt input (found by fuzzing; regress-* seeds).
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException
                                  or SharpCompress.Common.ArchiveException or IOException
                                  or OverflowException or IndexOutOfRangeException
                                  && e is not SourceException)
        {
            throw Unreadable(format, e);
        }

        if (target.SpecialBitsDropped > 0)
        {
            log.Report($"Dropped setuid/setgid/sticky bits from {target.SpecialBitsDropped} entries of the build package");
        }

        log.Report(string.Create(
            CultureInfo.InvariantCulture,
            $"Extracted {target.Entries} entries ({ByteSize.Format(target.Bytes)}) in {clock.Elapsed.TotalSeconds:0.0} s"));
        return new FetchedPackage(kind, target.Bytes, target.Entries) { NewestFileTime = target.NewestFileTime };
    }

    private static SourceException Unreadable(PackageFormat format, Exception e)
    {
        var what = e switch
        {
            EndOfStreamException => "it ends early (truncated upload or interrupted download)",
            HttpRequestException or HttpIOException => $"the download was interrupted ({e.Message})",
            IOException => $"it could not be read ({e.Message})",
            _ => $"it is corrupt or truncated ({e.Message})",
        };
        return new SourceException($"The build package looks like {format.Description}, but {what}. Upload it again.", e);
    }

    /// <summary>
    /// Copies a zip to a local file (bounded by PACKAGE_MAX_BYTES like everything else) because
    /// its central directory is at its end.
    /// </summary>
    private static async Task SpoolAsync(Stream input, string spoolPath, SourceLimits limits, CancellationToken cancellationToken)
    {
        var file = new FileStream(spoolPath, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            var buffer = new byte[128 * 1024];
            long total = 0;
            int read;
            while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > limits.MaxTotalBytes)
                {
                    throw new SourceException(
                        $"The zip build package is larger than {ByteSize.Format(limits.MaxTotalBytes)} (PACKAGE_MAX_BYTES={limits.MaxTotalBytes}). " +
                        "Raise PACKAGE_MAX_BYTES if a package this large is expected.");
                }

                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, string shown, IProgress<string> log, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var headers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            headers.CancelAfter(limits.IdleTimeout);
            string failure;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return response;
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

                failure = $"HTTP {status}";
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
                failure = e.Message;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = headers.IsCancellationRequested
                    ? $"no answer within {limits.IdleTimeout.TotalSeconds:0} s (PACKAGE_IDLE_TIMEOUT)"
                    : $"could not connect within {limits.ConnectTimeout.TotalSeconds:0} s (PACKAGE_CONNECT_TIMEOUT)";
            }

            if (attempt == Attempts)
            {
                throw new SourceException(
                    $"The build package could not be downloaded from {shown} after {Attempts} attempts: {failure}. " +
                    "The storage may be unavailable; try the build again later.");
            }

            log.Report($"Downloading the build package failed ({failure}); retrying ({attempt}/{Attempts - 1})");
            await Task.Delay(RetryDelay * attempt, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string PrepareDestination(string destination)
    {
        ArgumentException.ThrowIfNullOrEmpty(destination);
        var root = Path.GetFullPath(destination);
        if (Directory.Exists(root))
        {
            if (Directory.EnumerateFileSystemEntries(root).Any())
            {
                throw new ArgumentException($"The extraction directory '{root}' must not exist or be empty.", nameof(destination));
            }
        }
        else
        {
            Directory.CreateDirectory(root);
        }

        return root;
    }

    private static void DeleteQuietly(string root)
    {
        try
        {
            // Removes symlinks themselves, never what they point to.
            Directory.Delete(root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the worker deletes its whole work directory at the end of the job anyway.
        }
    }

    private static X509Certificate2Collection LoadCaBundle(string path)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new SourceException($"The CA bundle '{path}' (SSL_CERT_FILE) could not be read: {e.Message}", e);
        }

        return roots;
    }

    /// <summary>Accepts a chain that ends in one of the bundle's CAs; a name mismatch is never accepted.</summary>
    private static bool TrustedByBundle(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
