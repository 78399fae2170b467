namespace QuayBuilder.Local;

/// <summary>
/// What `quay-builder local` was asked to do, as parsed from its arguments. Secrets are never
/// here: only the names of the files that hold them (a password on argv would be visible to
/// every user through /proc and in shell history).
/// </summary>
internal sealed record LocalOptions
{
    /// <summary>A directory, an archive file, an http(s) archive URL or a Git URL.</summary>
    public required string Source { get; init; }

    /// <summary><c>--git</c>: treat SOURCE as a Git repository even when it does not look like one.</summary>
    public bool ForceGit { get; init; }

    /// <summary><c>--sha</c>: the commit to build from a Git SOURCE.</summary>
    public string? Sha { get; init; }

    /// <summary><c>--ssh-key</c>: a file holding the private key for an SSH Git URL.</summary>
    public string? SshKeyFile { get; init; }

    /// <summary><c>--context</c>: the context directory inside the source ("" = its root).</summary>
    public string Context { get; init; } = string.Empty;

    /// <summary><c>--dockerfile</c>: the Dockerfile relative to the context ("" = Dockerfile).</summary>
    public string Dockerfile { get; init; } = string.Empty;

    /// <summary><c>--tag</c>, repeatable; never empty.</summary>
    public IReadOnlyList<string> Tags { get; init; } = ["latest"];

    /// <summary><c>--registry</c>: host[:port] the image is named for and pushed to.</summary>
    public string Registry { get; init; } = "localhost";

    /// <summary><c>--repository</c>: namespace/name; null = local/&lt;name of SOURCE&gt;.</summary>
    public string? Repository { get; init; }

    /// <summary><c>--push</c>: push every tag after the build.</summary>
    public bool Push { get; init; }

    /// <summary><c>--username</c>: who pushes (Quay's tokens and robot passwords go with <c>$token</c>).</summary>
    public string Username { get; init; } = "$token";

    /// <summary><c>--password-file</c>: the push password or token; without it the user is prompted on a terminal.</summary>
    public string? PasswordFile { get; init; }

    /// <summary><c>--pull-token-file</c>: the token that pulls the cached tag when priming the cache.</summary>
    public string? PullTokenFile { get; init; }

    /// <summary><c>--cached-tag</c>: what the build manager's DetermineCachedTag would answer.</summary>
    public string? CachedTag { get; init; }

    /// <summary><c>--isolation</c>: chroot, oci or rootless; null = BUILDAH_ISOLATION or chroot.</summary>
    public string? Isolation { get; init; }

    /// <summary><c>--keep</c>: keep the work directory and every image, as DEBUG=true does for the worker.</summary>
    public bool Keep { get; init; }

    /// <summary><c>--plain</c>: no colours, no progress bars, even on a terminal.</summary>
    public bool Plain { get; init; }

    /// <summary><c>--json</c>: print exactly the log messages a build manager would receive, one per line.</summary>
    public bool Json { get; init; }

    /// <summary><c>--no-reproducible</c>: build with the clock's time, as REPRODUCIBLE_TIMESTAMP=false does.</summary>
    public bool NoReproducible { get; init; }

    /// <summary><c>--no-provenance</c>: no org.opencontainers.image source/revision/created labels, as PROVENANCE_LABELS=false.</summary>
    public bool NoProvenance { get; init; }

    /// <summary><c>--no-layer-cache</c>: push plain images and prime nothing from the cached tag's list, as LAYER_CACHE=false.</summary>
    public bool NoLayerCache { get; init; }

    /// <summary><c>--verbose</c>: the worker's own log (what the journal gets in worker mode) on stderr.</summary>
    public bool Verbose { get; init; }
}
