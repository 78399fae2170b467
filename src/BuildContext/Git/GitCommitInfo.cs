namespace QuayBuilder.BuildContext;

/// <summary>The commit that was checked out: full sha, subject line, and author as "Name &lt;email&gt;".</summary>
public sealed record GitCommitInfo(string Sha, string Subject, string Author)
{
    /// <summary>
    /// The committer time (<c>%ct</c>): fixed once the commit exists, unlike the author time a
    /// rebase keeps, so every fetch of the same sha gives the same value.
    /// </summary>
    public DateTimeOffset? CommitTime { get; init; }
}
