namespace QuayBuilder.Build;

/// <summary>
/// What the manager asked this worker to build, taken out of the wire's BuildPack. Exactly one
/// of <see cref="PackageUrl"/> and <see cref="Git"/> is set.
/// </summary>
internal sealed record BuildJobSpec
{
    public string? PackageUrl { get; init; }

    public GitPackageSpec? Git { get; init; }

    /// <summary>
    /// Local mode only: a directory (used in place, under the same resolution rules) or an
    /// archive file (extracted like a downloaded package).
    /// </summary>
    public string? LocalPath { get; init; }

    /// <summary>The context directory inside the source; "" or "/" is the root.</summary>
    public string Context { get; init; } = string.Empty;

    /// <summary>The Dockerfile relative to the context; "" means <c>Dockerfile</c>.</summary>
    public string DockerfilePath { get; init; } = string.Empty;

    /// <summary><c>namespace/name</c>.</summary>
    public required string Repository { get; init; }

    /// <summary>Registry host name, may carry a port.</summary>
    public required string Registry { get; init; }

    public string PullToken { get; init; } = string.Empty;

    public string PushToken { get; init; } = string.Empty;

    /// <summary>Who pushes with <see cref="PushToken"/>: Quay's build tokens are always <c>$token</c>; local mode may name a user.</summary>
    public string PushUsername { get; init; } = "$token";

    public IReadOnlyList<string> Tags { get; init; } = ["latest"];

    public string BaseImageUsername { get; init; } = string.Empty;

    public string BaseImagePassword { get; init; } = string.Empty;

    /// <summary><c>registry/repository</c>: where the built image is pushed.</summary>
    public string ImageRepository => $"{Registry}/{Repository}";

    /// <summary>Every secret this spec carries, for the masker.</summary>
    public IEnumerable<string> Secrets()
    {
        yield return PullToken;
        yield return PushToken;
        yield return BaseImagePassword;
        if (Git?.PrivateKey is { } key)
        {
            yield return key;
        }

        if (Git?.Url is { } gitUrl && Uri.TryCreate(gitUrl, UriKind.Absolute, out var gitUri) && gitUri.UserInfo.Length > 0)
        {
            // https://user:token@host/repo.git: the password, and an http(s) user name (often a
            // token itself), are credentials. An SSH user name (git@) is not, and masking it would
            // mangle every line that says "git".
            var parts = gitUri.UserInfo.Split(':', 2);
            if (parts.Length == 2)
            {
                yield return Uri.UnescapeDataString(parts[1]);
            }

            if (gitUri.Scheme is "http" or "https")
            {
                yield return Uri.UnescapeDataString(parts[0]);
            }
        }

        if (PackageUrl is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Query.Length > 1)
        {
            // A pre-signed URL's query string is a credential for the storage bucket.
            yield return uri.Query.TrimStart('?');
        }
    }

    public override string ToString() =>
        $"BuildJobSpec {{ Source = {(Git is not null ? "git " + Provenance.CleanSourceUrl(Git.Url) + "@" + Git.Sha : LocalPath is not null ? "local " + LocalPath : "package")}, Context = {Context}, DockerfilePath = {DockerfilePath}, Image = {ImageRepository}, Tags = {string.Join(",", Tags)} }}";
}
