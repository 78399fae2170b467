namespace QuayBuilder.BuildContext;

/// <summary>A build package on disk.</summary>
/// <param name="Kind">"tar", "tar.gz", "tar.bz2", "tar.xz", "zip" or "dockerfile".</param>
/// <param name="Bytes">Bytes of file content written (not the download's size).</param>
/// <param name="Entries">Members extracted: files, directories and links (1 for a bare Dockerfile).</param>
public sealed record FetchedPackage(string Kind, long Bytes, long Entries);
