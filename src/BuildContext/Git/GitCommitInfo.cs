namespace QuayBuilder.BuildContext;

/// <summary>The commit that was checked out: full sha, subject line, and author as "Name &lt;email&gt;".</summary>
public sealed record GitCommitInfo(string Sha, string Subject, string Author);
