using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Xz;

namespace QuayBuilder.BuildContext;

/// <summary>
/// The extraction side of a build package, wherever its bytes come from: detects the format from
/// the first bytes, decompresses and extracts as the bytes arrive (a zip, whose central directory
/// sits at its end, is spooled to a file first unless it already is one), and reports what it wrote.
/// </summary>
internal static class PackageExtractor
{
    /// <param name="source">The package's bytes, read once from the start.</param>
    /// <param name="root">An existing empty directory to extract into.</param>
    /// <param name="contentType">The media type the server gave, for detection and the log; null for a file.</param>
    /// <param name="spoolPath">Where a streamed zip is copied; the caller deletes it.</param>
    /// <param name="localZipPath">The file <paramref name="source"/> reads, when it is one: a zip is read in place.</param>
    public static async Task<FetchedPackage> ExtractAsync(
        Stream source,
        string root,
        SourceLimits limits,
        IProgress<string> log,
        string? contentType,
        string? spoolPath,
        string? localZipPath,
        CancellationToken cancellationToken)
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
            await DispatchAsync(kind, input, target, limits, spoolPath, localZipPath, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Whatever else went wrong (a full disk, a permission) still reaches the user as a <see cref="SourceException"/>.</summary>
    public static SourceException AsSourceException(Exception e) =>
        e as SourceException ?? new SourceException($"The build package could not be fetched: {e.Message}", e);

    /// <summary>Makes <paramref name="destination"/> an empty directory (it must not exist or be empty) and returns its full path.</summary>
    public static string PrepareDestination(string destination)
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

    public static void DeleteQuietly(string root)
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

    private static async Task DispatchAsync(
        string kind, Stream input, ExtractionTarget target, SourceLimits limits, string? spoolPath, string? localZipPath, CancellationToken cancellationToken)
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
}
