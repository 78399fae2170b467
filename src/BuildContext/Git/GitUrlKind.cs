namespace QuayBuilder.BuildContext;

/// <summary>How git will reach a repository; decides whether ssh settings and keys apply.</summary>
internal enum GitUrlKind
{
    /// <summary><c>ssh://</c> (and git's <c>git+ssh://</c>, <c>ssh+git://</c> spellings).</summary>
    Ssh,

    /// <summary>scp-like <c>[user@]host:path</c>, which git also runs over ssh.</summary>
    ScpLike,

    /// <summary><c>http://</c>, <c>https://</c>.</summary>
    Http,

    /// <summary>The unauthenticated <c>git://</c> daemon protocol.</summary>
    GitDaemon,

    /// <summary>An absolute local path or <c>file://</c> URL (tests only).</summary>
    Local,
}
