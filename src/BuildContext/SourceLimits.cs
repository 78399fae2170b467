namespace QuayBuilder.BuildContext;

/// <summary>
/// Bounds on what a build package may expand to and how long fetching it may take.
/// Exceeding one is a <see cref="SourceException"/> that names the limit and the variable
/// an operator sets to raise it, raised before the disk fills.
/// </summary>
public sealed record SourceLimits
{
    public static SourceLimits Default { get; } = new();

    /// <summary>Total bytes written by an extraction (env <c>PACKAGE_MAX_BYTES</c>).</summary>
    public long MaxTotalBytes { get; init; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Entries (files, directories, links) in a package (env <c>PACKAGE_MAX_ENTRIES</c>).</summary>
    public long MaxEntries { get; init; } = 1_000_000;

    /// <summary>Length of a member's relative path, in bytes (env <c>PACKAGE_MAX_PATH_LENGTH</c>).</summary>
    public int MaxPathLength { get; init; } = 4096;

    /// <summary>Whole download of a package (env <c>PACKAGE_DOWNLOAD_TIMEOUT</c>, seconds).</summary>
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>No byte received for this long fails the download (env <c>PACKAGE_IDLE_TIMEOUT</c>, seconds).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Connecting to the package host (env <c>PACKAGE_CONNECT_TIMEOUT</c>, seconds).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
