using QuayBuilder.BuildContext;

namespace QuayBuilder.Build;

/// <summary>
/// What the fetched source says about itself, for <see cref="Provenance"/>: where it came from,
/// which revision, and the time that stands for "this input" (null when the source records none).
/// </summary>
/// <param name="Url">The Git URL as the build pack gave it, credentials and all: only
/// <see cref="Provenance.CleanSourceUrl"/> may turn it into a label.</param>
/// <param name="TimeRule">Which time <paramref name="Time"/> is, in words for the build log.</param>
internal sealed record SourceFacts(string? Url, string? Revision, DateTimeOffset? Time, string TimeRule)
{
    /// <summary>Before anything was fetched: no facts at all.</summary>
    public static SourceFacts Unknown { get; } = new(null, null, null, "no source time");

    public static SourceFacts FromGit(string url, GitCommitInfo commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        return new(url, commit.Sha, commit.CommitTime, "the commit's committer time");
    }

    public static SourceFacts FromPackage(FetchedPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        return package.NewestFileTime is null
            ? new(null, null, null, "a bare Dockerfile records no time")
            : new(null, null, package.NewestFileTime, "the newest file time in the build package");
    }

    public static SourceFacts FromDirectory(string directory) =>
        SourceTime.NewestFile(directory) is { } newest
            ? new(null, null, newest, "the newest file time in the source directory")
            : new(null, null, null, "the source directory holds no file");
}
