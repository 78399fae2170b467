namespace QuayBuilder.Cli;

/// <summary>The text of `quay-builder --help`.</summary>
internal static class Usage
{
    public const string Text = """
        Usage:
          quay-builder              Worker mode: register with Quay's build manager (SERVER, TOKEN, ...)
                                    and build the one job it hands out. Configured by environment
                                    variables; see the README's configuration section.
          quay-builder local SOURCE [options]
                                    Local mode: run the same build pipeline on this machine and show
                                    it in the terminal (see `quay-builder local --help`).
          quay-builder check        Diagnose the worker's environment with the same variables: manager
                                    (TLS, ping, clock skew), Podman socket, registry, CA bundles,
                                    git/ssh, work directory. Exit status = number of failed checks.
          quay-builder version      Print the version, commit and runtime.
          quay-builder --help       Show this text.

        Exit status: 0 build complete, 1 build failed, 2 configuration error,
        3 registration failed, 4 job gone (expired or cancelled), 5 infrastructure failure,
        6 cancelled (SIGTERM/SIGINT).
        """;

    /// <summary>The text of `quay-builder local --help`.</summary>
    public const string LocalText = """
        Usage: quay-builder local SOURCE [options]

        Runs Quay's build pipeline on this machine, exactly as the worker does for Quay (same
        source fetching and safety rules, same context and Dockerfile resolution, same Podman
        parameters, same cache and push steps), and shows the build in the terminal.

        SOURCE is one of:
          DIR                       a directory (built in place)
          FILE                      an archive: .tar, .tar.gz, .tar.bz2, .tar.xz, .zip, or a bare Dockerfile
          http(s)://HOST/FILE       an archive to download
          GIT-URL --sha COMMIT      a Git repository at one commit: https://, ssh://, git://,
                                    git@host:owner/repo.git, or a local repository path

        Options:
          --sha COMMIT              the full commit id to build (Git sources; required)
          --ssh-key FILE            private key for an SSH Git URL
          --git                     treat SOURCE as a Git repository
          --context DIR             the build context inside the source (default: its root)
          --dockerfile PATH         the Dockerfile, relative to the context (default: Dockerfile)
          --tag TAG                 tag to give (and push); repeatable (default: latest)
          --registry HOST[:PORT]    registry the image is named for (default: localhost)
          --repository NS/NAME      repository in that registry (default: local/<name of SOURCE>)
          --push                    push every tag after the build
          --username NAME           user for the push (default: $token, as Quay's tokens use)
          --password-file FILE      the push password or token; without it you are asked on the
                                    terminal (echo off). Never given on the command line.
          --pull-token-file FILE    token that pulls the cached tag when priming the cache
          --cached-tag TAG          the tag the build manager would offer for cache priming
          --isolation MODE          chroot, oci or rootless (default: BUILDAH_ISOLATION or chroot)
          --keep                    keep the work directory and every image (like DEBUG=true)
          --plain                   no colours or progress bars, even on a terminal
          --json                    print exactly the log messages a build manager would receive,
                                    one JSON object per line, and nothing else on stdout
          --verbose                 the worker's own log on stderr
          --no-reproducible         build with the clock's time instead of the source's (the
                                    commit's time, an archive's newest file): the digest then
                                    differs from build to build (REPRODUCIBLE_TIMESTAMP=false)
          --no-provenance           set no org.opencontainers.image.source/revision/created
                                    labels (PROVENANCE_LABELS=false)
          --no-layer-cache          push plain images: no layer cache published with the tags,
                                    none primed from --cached-tag (LAYER_CACHE=false)

        The runtime is found as in worker mode: DOCKER_HOST (unix://PATH), else the first that
        answers of $XDG_RUNTIME_DIR/podman/podman.sock, /run/podman/podman.sock,
        /tmp/storage-run-$UID/podman/podman.sock and /tmp/podman-run-$UID/podman/podman.sock.
        CONTAINER_RUNTIME, BUILDAH_ISOLATION, WORK_DIR, PACKAGE_*, GIT_*, SSL_CERT_FILE, DEBUG,
        REPRODUCIBLE_TIMESTAMP, PROVENANCE_LABELS and LAYER_CACHE apply as well; SERVER, TOKEN and the other
        manager settings are not read. The build log shows the timestamp and labels used.

        Exit status as in worker mode: 0 build complete, 1 build failed, 2 bad arguments,
        5 infrastructure failure, 6 cancelled.
        """;
}
