namespace QuayBuilder.BuildContext;

/// <summary>A build package on disk.</summary>
/// <param name="Kind">"tar", "tar.gz", "tar.bz2", "tar.xz", "zip" or "dockerfile".</param>
/// <param name="Bytes">Bytes of file content written (not the download's size).</param>
/// <param name="Entries">Members extracted: files, directories and links (1 for a bare Dockerfile).</param>
public sealed record FetchedPackage(string Kind, long Bytes, long Entries)
{
    /// <summary>
    /// The newest modification time of the package's regular files, as the archive records it;
    /// null when none records one (a bare Dockerfile). The source time of reproducible builds
    /// (docs/adr/0012-reproducible-images.md).
    /// </summary>
    public DateTimeOffset? NewestFileTime { get; init; }
}
