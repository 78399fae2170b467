using System.Globalization;

namespace QuayBuilder.BuildContext;

/// <summary>
/// Fetches a Git build pack: exactly one commit, checked out detached, with its submodules.
/// Drives the <c>git</c> and <c>ssh</c> executables (see docs/adr/0002-git-transport.md): an
/// empty repository, one remote, a depth-1 fetch of the sha over protocol v2, a full fetch
/// only when the server refuses to serve a commit by id.
/// </summary>
public sealed class GitFetcher
{
    /// <summary>Quay's page on submodules, as the Go worker linked it.</summary>
    public const string SubmoduleDocumentationUrl = "http://docs.quay.io/guides/git-submodules.html";

    // Text git prints when a server will not send an object that is not a ref tip
    // (protocol v0 without allow*SHA1InWant, or dumb HTTP, which cannot do shallow at all).
    internal static readonly string[] RefusedByIdMarkers =
    [
        "not our ref",
        "unadvertised object",
        "couldn't find remote ref",
        "no such remote ref",
        "does not support shallow",
    ];

    private readonly GitOptions _options;

    public GitFetcher(GitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>
    /// Fetches exactly <see cref="GitSourceRequest.Sha"/> into <paramref name="destination"/>
    /// (created; must be empty) with a detached checkout and recursive shallow submodules.
    /// <paramref name="scratchDirectory"/> is private to the job: the key file (0600, in a fresh
    /// 0700 directory) and known_hosts live there only during the call and are deleted on every
    /// path. Progress, the host key and the resolved commit go to <paramref name="log"/>.
    /// Throws <see cref="SourceException"/> with the Go worker's texts on failure, and
    /// <see cref="OperationCanceledException"/> (after killing git) on cancellation.
    /// </summary>
    public async Task<GitCommitInfo> FetchAsync(
        GitSourceRequest request,
        string destination,
        string scratchDirectory,
        IProgress<string> log,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        ArgumentException.ThrowIfNullOrEmpty(scratchDirectory);
        ArgumentNullException.ThrowIfNull(log);

        GitUrl url = GitUrl.Parse(request.Url, _options.AllowLocalRepositories);
        string sha = ParseSha(request.Sha);
        var redactor = new GitOutputRedactor(request.PrivateKey, request.Url);

        if (url.UsesSsh && !string.IsNullOrEmpty(_options.KnownHostsFile) && !File.Exists(_options.KnownHostsFile))
        {
            throw new SourceException(
                $"Error cloning git repository ({url}): the known hosts file {_options.KnownHostsFile} (GIT_KNOWN_HOSTS) does not exist. Fix or unset GIT_KNOWN_HOSTS on the worker.");
        }

        Directory.CreateDirectory(destination);
        if (Directory.EnumerateFileSystemEntries(destination).Any())
        {
            throw new InvalidOperationException($"The checkout directory {destination} is not empty.");
        }

        string? key = url.UsesSsh ? request.PrivateKey : null;
        if (!url.UsesSsh && !string.IsNullOrWhiteSpace(request.PrivateKey))
        {
            log.Report($"A private key was given but {url} is not an SSH URL; the key is not used.");
        }

        using GitPrivateDirectory privateDirectory = GitPrivateDirectory.Create(
            scratchDirectory, key, url.UsesSsh ? _options.KnownHostsFile : null);
        var runner = new GitProcessRunner(
            BuildEnvironment(privateDirectory), redactor, log, _options.IdleTimeout, _options.TotalTimeout);
        var fetch = new GitFetchSession(_options, runner, url, sha, destination, privateDirectory, log, cancellationToken);
        return await fetch.RunAsync().ConfigureAwait(false);
    }

    private static string ParseSha(string? sha)
    {
        string value = (sha ?? string.Empty).Trim().ToLowerInvariant();
        bool hex = value.Length is >= 7 and <= 64 && value.All(char.IsAsciiHexDigitLower);
        if (!hex)
        {
            throw new SourceException(
                $"Error checking out git commit ({sha}): not a commit id; expected 40 hexadecimal characters. Check the commit the build was triggered for.");
        }

        return value;
    }

    private Dictionary<string, string?> BuildEnvironment(GitPrivateDirectory privateDirectory)
    {
        // Per process, never process-wide: several fetches (and the rest of the worker) must not
        // see each other's keys. null removes an inherited variable that would change what git
        // does (a user's config, an agent offering other keys, a repository elsewhere).
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["HOME"] = privateDirectory.Path,
            ["XDG_CONFIG_HOME"] = privateDirectory.Path,
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_CONFIG_GLOBAL"] = "/dev/null",
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GIT_ASKPASS"] = null,
            ["SSH_ASKPASS"] = null,
            ["SSH_AUTH_SOCK"] = null,
            ["GIT_SSH"] = null,
            ["GIT_SSH_VARIANT"] = "ssh",
            ["GIT_SSH_COMMAND"] = privateDirectory.SshCommand(_options.ConnectTimeout, _options.ExtraSshArguments),
            ["GIT_DIR"] = null,
            ["GIT_WORK_TREE"] = null,
            ["GIT_INDEX_FILE"] = null,
            ["GIT_OBJECT_DIRECTORY"] = null,
            ["GIT_ALTERNATE_OBJECT_DIRECTORIES"] = null,
            ["GIT_CONFIG"] = null,
            ["GIT_CONFIG_PARAMETERS"] = null,
            ["GIT_TRACE"] = null,
            ["GIT_TRACE_PACKET"] = null,
            ["GIT_TRACE_CURL"] = null,
            ["GIT_PROXY_COMMAND"] = null,

            // Also bounds submodule URLs, which come from the repository's .gitmodules:
            // never ext:: or fd::, and file:// only where local repositories are allowed.
            ["GIT_ALLOW_PROTOCOL"] = _options.AllowLocalRepositories ? "ssh:https:http:git:file" : "ssh:https:http:git",

            // English messages, so the fallback decision can read them.
            ["LC_ALL"] = "C",
            ["LANGUAGE"] = null,

            ["GIT_CONFIG_COUNT"] = "3",
            ["GIT_CONFIG_KEY_0"] = "protocol.version",
            ["GIT_CONFIG_VALUE_0"] = _options.ProtocolVersion.ToString(CultureInfo.InvariantCulture),
            ["GIT_CONFIG_KEY_1"] = "advice.detachedHead",
            ["GIT_CONFIG_VALUE_1"] = "false",
            ["GIT_CONFIG_KEY_2"] = "core.hooksPath",
            ["GIT_CONFIG_VALUE_2"] = "/dev/null",
        };
        if (!string.IsNullOrEmpty(_options.CaBundlePath))
        {
            environment["GIT_SSL_CAINFO"] = _options.CaBundlePath;
        }

        foreach (var (name, value) in _options.ProxyEnvironment)
        {
            environment[name] = value;
        }

        return environment;
    }
}
